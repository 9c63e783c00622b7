using Platform.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Platform.Gateway.Routing;

internal static class BackendRouting
{
    /// <summary>
    /// YARP in front of the services. Routes are code (they are the API's shape, not deployment settings);
    /// only the backend addresses come from configuration.
    /// </summary>
    public static WebApplicationBuilder AddBackendRouting(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<BackendOptions>(o => BackendOptions.Bind(o, builder.Configuration));
        var backends = new BackendOptions();
        BackendOptions.Bind(backends, builder.Configuration);

        builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<OciServiceConstraint>(OciServiceConstraint.Name));
        builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<CanisterWasmConstraint>(CanisterWasmConstraint.Name));
        var routes = GatewayRoutes.All.ToList();
        var clusters = backends.Routed.Select(b => Cluster(b.Key, b.Value)).ToList();
        if (backends.IngestUploads.Length > 0)
        {
            routes.Add(GatewayRoutes.Uploads);
            clusters.Add(UploadLaneCluster(backends.IngestUploads));
            builder.Services.AddSingleton<ITransformProvider, UploadLaneTransforms>();
        }
        builder.Services.AddReverseProxy()
            .LoadFromMemory(routes, clusters)
            // Blob downloads come back over h2c: start the receive window at a few MiB instead of 64 KiB.
            .ConfigureHttpClient((_, handler) => handler.InitialHttp2StreamWindowSize = 4 * 1024 * 1024);
        // YARP registers ASP.NET Core Data Protection for session-affinity cookies. The gateway configures no
        // affinity, so nothing is ever protected, but Data Protection's hosted service would still read (on a first
        // start: create) a key ring at start-up, loading the XML stack: a few MiB of the gateway's memory for nothing.
        // Without the warm-up the key ring is only loaded if something ever asks for a protector.
        foreach (var keyRingWarmUp in builder.Services.Where(d => d.ServiceType == typeof(IHostedService)
                     && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList())
            builder.Services.Remove(keyRingWarmUp);

        BackendResponseTimeout.AddBackendResponseTimeout(builder);
        builder.Services.AddHttpClient(BackendHealthCheck.ClientName, c => c.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddHealthChecks().AddCheck<BackendHealthCheck>("backends", tags: [PlatformDefaults.ReadyTag]);
        return builder;
    }

    /// <summary>The proxy, with YARP's usual pipeline and backend failures answered as 503.</summary>
    public static WebApplication MapBackendRouting(this WebApplication app)
    {
        app.MapReverseProxy(proxy =>
        {
            proxy.UseBackendFailures();
            BackendResponseTimeout.UseBackendResponseTimeout(proxy);
            // The services answer byte ranges only. A range in another unit must be ignored (RFC 9110 14.2), not read as
            // bytes, so it never reaches them.
            proxy.Use((context, next) =>
            {
                if (context.Request.Headers.Range is { Count: > 0 } range
                    && !range.ToString().TrimStart().StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
                    context.Request.Headers.Remove("Range");
                return next();
            });
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    public const string UploadLane = "ingest-uploads";

    // Blob bytes over HTTP/2 cost both ends a frame per 16 KiB (.NET's client never sends bigger DATA frames):
    // 32,768 frames for 512 MiB, and about 0.7 s of Ingest's CPU. Upload sessions therefore take HTTP/1.1 to a
    // listener of Ingest's own, where a body is one plain stream (a 512 MiB push: 2.5 -> 2.15 s, Ingest's CPU
    // 1.8 -> 1.1 s). Everything else stays on h2c. Big bodies ask Ingest to continue first (UploadLaneTransforms),
    // so a refusal before the body is read (unknown session, wrong range) does not cost the transfer.
    private static ClusterConfig UploadLaneCluster(string address) => Cluster(UploadLane, address, System.Net.HttpVersion.Version11);

    // The backends speak h2c: a backend that streams its response while it is still reading the request body
    // deadlocks an HTTP/1.1 proxy hop, because HttpClient sends the whole body first. (Upload sessions answer
    // either before reading or after the whole body, which HTTP/1.1 handles: see the upload lane above.)
    // Blob transfers can idle longer than YARP's 100 s default while a slow client trickles bytes.
    private static ClusterConfig Cluster(string id, string address, Version? version = null) => new()
    {
        ClusterId = id,
        Destinations = new Dictionary<string, DestinationConfig> { [id] = new() { Address = address } },
        HttpRequest = new ForwarderRequestConfig
        {
            Version = version ?? System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            ActivityTimeout = TimeSpan.FromMinutes(15),
        },
    };
}

/// <summary>
/// Big or unsized bodies on the upload lane send `Expect: 100-continue`: Kestrel answers 100 when Ingest starts
/// reading, so a refusal decided before that comes back without the bytes having crossed. Small bodies go at once
/// (the extra round trip would cost more than sending them).
/// </summary>
internal sealed class UploadLaneTransforms : ITransformProvider
{
    private const long SmallBody = 1 << 20;

    public void ValidateRoute(TransformRouteValidationContext context) { }

    public void ValidateCluster(TransformClusterValidationContext context) { }

    public void Apply(TransformBuilderContext context)
    {
        if (context.Cluster?.ClusterId != BackendRouting.UploadLane)
            return;
        context.AddRequestTransform(transform =>
        {
            var request = transform.HttpContext.Request;
            if (request.ContentLength is null ? request.Headers.TransferEncoding.Count > 0 : request.ContentLength > SmallBody)
                transform.ProxyRequest.Headers.ExpectContinue = true;
            return ValueTask.CompletedTask;
        });
    }
}
