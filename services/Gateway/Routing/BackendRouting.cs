using Platform.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Gateway.Routing;

public static class BackendRouting
{
    /// <summary>
    /// YARP in front of the services. Routes are code (they are the API's shape, not deployment settings);
    /// only the backend addresses come from configuration.
    /// </summary>
    public static WebApplicationBuilder AddBackendRouting(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<BackendOptions>(builder.Configuration.GetSection(BackendOptions.Section));
        var backends = builder.Configuration.GetSection(BackendOptions.Section).Get<BackendOptions>() ?? new BackendOptions();

        builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<OciServiceConstraint>(OciServiceConstraint.Name));
        builder.Services.AddReverseProxy()
            .LoadFromMemory(GatewayRoutes.All, backends.All.Select(b => Cluster(b.Key, b.Value)).ToArray())
            // Blob downloads come back over h2c: start the receive window at a few MiB instead of 64 KiB.
            .ConfigureHttpClient((_, handler) => handler.InitialHttp2StreamWindowSize = 4 * 1024 * 1024);
        // YARP registers ASP.NET Core Data Protection for session-affinity cookies. The gateway configures no
        // affinity, so nothing is ever protected, but Data Protection's hosted service would still read (on a first
        // start: create) a key ring at start-up, loading the XML stack: a few MiB of the gateway's memory for nothing.
        // Without the warm-up the key ring is only loaded if something ever asks for a protector.
        foreach (var keyRingWarmUp in builder.Services.Where(d => d.ServiceType == typeof(IHostedService)
                     && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList())
            builder.Services.Remove(keyRingWarmUp);

        builder.Services.AddHttpClient(BackendHealthCheck.ClientName, c => c.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddHealthChecks().AddCheck<BackendHealthCheck>("backends", tags: [PlatformDefaults.ReadyTag]);
        return builder;
    }

    // The backends speak h2c: a backend that answers while it is still reading a request body (an early
    // error on a blob upload) deadlocks an HTTP/1.1 proxy hop, because HttpClient sends the whole body first.
    // Blob transfers can idle longer than YARP's 100 s default while a slow client trickles bytes.
    private static ClusterConfig Cluster(string id, string address) => new()
    {
        ClusterId = id,
        Destinations = new Dictionary<string, DestinationConfig> { [id] = new() { Address = address } },
        HttpRequest = new ForwarderRequestConfig
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            ActivityTimeout = TimeSpan.FromMinutes(15),
        },
    };
}
