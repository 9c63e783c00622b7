using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Hosting.Health;
using Platform.Hosting.Observability;
using Platform.Hosting.Security;
using Platform.Hosting.Transport;

namespace Platform.Hosting;

/// <summary>
/// What every Platform service gets from one call in its Program.cs: structured logs, traces and metrics,
/// request ids, health endpoints and Kestrel limits that suit a registry.
/// </summary>
public static class PlatformDefaults
{
    /// <summary>Health checks tagged with this run on /readyz; /healthz runs none (the process answers).</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddPlatformDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddSingleton(new ServiceIdentity(serviceName));

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });

        builder.AddPlatformTelemetry(serviceName);

        // Blobs are gigabytes: no service may cut a body at Kestrel's 30 MB default. Size limits that matter
        // (manifests, chunks) are enforced by the endpoints themselves, with the spec's error codes.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            // Blobs cross the gateway -> service hop over h2c: the default 768 KiB stream window throttles an
            // upload to a window per round trip. A few MiB keep loopback and LAN hops busy without letting one
            // stream buffer much.
            k.Limits.Http2.InitialConnectionWindowSize = 8 * 1024 * 1024;
            k.Limits.Http2.InitialStreamWindowSize = 4 * 1024 * 1024;
        });
        // Socket reads in 64 KiB blocks instead of Kestrel's 4 KiB (see BulkTransferMemoryPool). Registered after
        // Kestrel's own factory, so this one is what the socket transport resolves.
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, BulkTransferMemoryPoolFactory>();

        builder.Services.AddHealthChecks();
        builder.Services.AddRequestIds();
        return builder;
    }

    /// <summary>
    /// /healthz: the process is up and serving. /readyz: every dependency tagged "ready" answers now
    /// (PostgreSQL, RabbitMQ, IPFS, backends), as JSON so an operator sees which one is red.
    /// </summary>
    public static WebApplication MapPlatformHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = HealthReportWriter.WriteJson,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return app;
    }

    /// <summary>
    /// The usual middleware order for a Platform service: request ids first so every log line has one. Services
    /// behind the gateway (<paramref name="behindGateway"/>) then take the caller from the gateway's signed actor
    /// header (see <see cref="GatewayActor"/>); the gateway itself passes false.
    /// </summary>
    public static WebApplication UsePlatformDefaults(this WebApplication app, bool behindGateway = true)
    {
        app.UseRequestIds();
        // Outside the failure responses, so a request that failed is measured with the status it was answered with.
        app.UseRequestMetrics();
        app.UseFailureResponses();
        if (behindGateway)
            app.UseGatewayActor();
        return app;
    }
}

/// <summary>The service's short name ("ingest", "gateway"...), used for queue names, traces and logs.</summary>
public sealed record ServiceIdentity(string Name);
