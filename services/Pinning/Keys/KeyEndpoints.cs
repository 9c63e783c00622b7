namespace Platform.Pinning.Keys;

/// <summary>
/// The key administration calls, on Pinning's own port (not routed by the gateway: an operator calls them on the
/// service, as with the other /internal endpoints):
/// <c>POST /internal/v1/namespaces/{ns}/keys/rotate</c> adds a version of the namespace's key and wraps its data
/// keys again; <c>GET /internal/v1/namespaces/{ns}/keys</c> lists the versions.
/// </summary>
internal static class KeyEndpoints
{
    public static IEndpointRouteBuilder MapKeyAdministration(this IEndpointRouteBuilder app)
    {
        app.MapPost("/internal/v1/namespaces/{ns}/keys/rotate", async (string ns, KeyStore keys, CancellationToken ct) =>
            Results.Json(await keys.RotateAsync(ns, ct)));
        app.MapGet("/internal/v1/namespaces/{ns}/keys", async (string ns, KeyStore keys, CancellationToken ct) =>
            Results.Json(new { @namespace = ns, versions = await keys.VersionsAsync(ns, ct) }));
        return app;
    }
}
