using Platform.Ipfs;
using Platform.Metadata.Catalog;
using Platform.Metadata.Manifests;
using Platform.Metadata.Referrers;
using Platform.Metadata.Tags;
using Platform.Registry.Oci;
using Platform.Registry.Routing;

namespace Platform.Metadata;

/// <summary>
/// The read side of the OCI Distribution API: manifests, tags, referrers, catalog. Also the gateway's fallback
/// for /v2 paths that are no endpoint at all, so those get the spec's error JSON too.
/// </summary>
internal static class OciReadEndpoints
{
    public static WebApplicationBuilder AddOciReads(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ManifestReadHandlers>();
        PinningContent.Register(builder.Services, builder.Configuration);
        builder.Services.AddScoped<TagHandlers>();
        builder.Services.AddScoped<ReferrerHandlers>();
        builder.Services.AddScoped<CatalogHandlers>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOciReads(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/v2/{**path}", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"], DispatchAsync);
        return app;
    }

    private static Task<IResult> DispatchAsync(string? path, HttpContext http, CancellationToken ct)
    {
        if (!OciRoute.TryParse(path, out var route))
            return Task.FromResult(OciResults.Error(OciErrorCode.NameUnknown, "no such endpoint or repository", new { path }));
        if (route.Kind != OciRouteKind.Catalog && !RepositoryName.IsValid(route.Name))
            return Task.FromResult(OciResults.Error(OciErrorCode.NameInvalid, "invalid repository name", new { name = route.Name }));

        var services = http.RequestServices;
        var method = http.Request.Method;
        var isRead = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        return (route.Kind, isRead) switch
        {
            (OciRouteKind.Manifest, true) => services.GetRequiredService<ManifestReadHandlers>().GetAsync(route.Name, route.Reference, http, ct),
            (OciRouteKind.TagList, true) => services.GetRequiredService<TagHandlers>().ListAsync(route.Name, http, ct),
            (OciRouteKind.Referrers, true) => services.GetRequiredService<ReferrerHandlers>().ListAsync(route.Name, route.Reference, http, ct),
            (OciRouteKind.Catalog, true) => services.GetRequiredService<CatalogHandlers>().ListAsync(http, ct),
            _ => Task.FromResult(OciResults.Error(OciErrorCode.Unsupported, $"{method} is not supported here", new { path })),
        };
    }
}
