namespace Platform.Gateway.Distribution;

/// <summary>
/// The entry point of the OCI Distribution API. Clients call `GET /v2/` first to learn that this is a
/// registry speaking API v2; every /v2 answer carries the version header, whichever service produced it.
/// </summary>
internal static class ApiVersionEndpoints
{
    public const string VersionHeader = "Docker-Distribution-API-Version";
    public const string Version = "registry/2.0";

    public static WebApplication UseDistributionApiVersion(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/v2"))
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers[VersionHeader] = Version;
                    return Task.CompletedTask;
                });
            return next(context);
        });
        return app;
    }

    public static IEndpointRouteBuilder MapDistributionBase(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/v2/", ["GET", "HEAD"], () => Results.Json(new { }));
        return app;
    }
}
