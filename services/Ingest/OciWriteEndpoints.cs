using Platform.Ingest.Blobs;
using Platform.Ingest.Manifests;
using Platform.Ingest.Storage;
using Platform.Ingest.Uploads;
using Platform.Ipfs;
using Platform.Registry;
using Platform.Registry.Oci;
using Platform.Registry.Routing;

namespace Platform.Ingest;

/// <summary>
/// The part of the OCI Distribution API that Ingest answers: uploads, blob bytes, manifest writes. Repository
/// names contain slashes, so one catch-all route hands the path to <see cref="OciRoute"/> and dispatches.
/// </summary>
public static class OciWriteEndpoints
{
    public static WebApplicationBuilder AddOciWrites(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<StorageOptions>(builder.Configuration.GetSection(StorageOptions.Section));
        builder.Services.AddSingleton<ContentStore>();
        builder.Services.AddSingleton<UploadHashes>();
        builder.Services.AddSingleton<UploadLocks>();
        builder.Services.AddSingleton<UploadMetrics>();
        builder.Services.AddRegistryWriter();
        builder.Services.AddScoped<UploadHandlers>();
        builder.Services.AddScoped<BlobHandlers>();
        PinningContent.Register(builder.Services, builder.Configuration);
        builder.Services.AddScoped<ManifestWriteHandlers>();
        builder.Services.AddSingleton<DescriptorSizeCheck>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOciWrites(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/v2/{**path}", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"], DispatchAsync);
        return app;
    }

    private static Task<IResult> DispatchAsync(string? path, HttpContext http, CancellationToken ct)
    {
        if (!OciRoute.TryParse(path, out var route) || !route.IsIngest(http.Request.Method))
            return Task.FromResult(OciResults.Error(OciErrorCode.Unsupported, "not an endpoint of this service", new { path }));
        if (!RepositoryName.IsValid(route.Name))
            return Task.FromResult(OciResults.Error(OciErrorCode.NameInvalid, "invalid repository name", new { name = route.Name }));

        var services = http.RequestServices;
        var (name, reference, method) = (route.Name, route.Reference, http.Request.Method);
        return (route.Kind, method) switch
        {
            (OciRouteKind.UploadStart, "POST") => services.GetRequiredService<UploadHandlers>().StartAsync(name, http, ct),
            (OciRouteKind.UploadSession, "PATCH") => services.GetRequiredService<UploadHandlers>().PatchAsync(name, reference, http, ct),
            (OciRouteKind.UploadSession, "PUT") => services.GetRequiredService<UploadHandlers>().CompleteAsync(name, reference, http, ct),
            (OciRouteKind.UploadSession, "GET") => services.GetRequiredService<UploadHandlers>().StatusAsync(name, reference, http, ct),
            (OciRouteKind.UploadSession, "DELETE") => services.GetRequiredService<UploadHandlers>().CancelAsync(name, reference, http, ct),
            (OciRouteKind.Blob, "GET" or "HEAD") => services.GetRequiredService<BlobHandlers>().GetAsync(name, reference, http, ct),
            (OciRouteKind.Blob, "DELETE") => services.GetRequiredService<BlobHandlers>().DeleteAsync(name, reference, http, ct),
            (OciRouteKind.Manifest, "PUT") => services.GetRequiredService<ManifestWriteHandlers>().PutAsync(name, reference, http, ct),
            (OciRouteKind.Manifest, "DELETE") => services.GetRequiredService<ManifestWriteHandlers>().DeleteAsync(name, reference, http, ct),
            _ => Task.FromResult(OciResults.Error(OciErrorCode.Unsupported, $"{method} is not supported here", new { path })),
        };
    }
}
