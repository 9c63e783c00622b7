using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting.Observability;

/// <summary>
/// /metrics in the Prometheus text format: every meter named Platform.* (the services' own instruments), ASP.NET
/// Core's and Kestrel's, and the runtime's. Operators scrape each service on its own port; nothing routes /metrics
/// from the public side.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>The Kestrel endpoint of the gateway that serves /metrics (Kestrel:Endpoints:Metrics:Url).</summary>
    public const string GatewayListener = "Kestrel:Endpoints:Metrics:Url";

    /// <summary>Maps /metrics for every caller of this service's port (the backends, which are not public).</summary>
    public static WebApplication MapPlatformMetrics(this WebApplication app)
    {
        app.UseOpenTelemetryPrometheusScrapingEndpoint(http => http.Request.Path == Path);
        return app;
    }

    /// <summary>
    /// The gateway's /metrics: only on the connection's local port named by <see cref="GatewayListener"/>, a
    /// listener operators keep off the public network, never on the public listeners (whatever Host a caller
    /// sends). Without that listener the gateway serves no metrics.
    /// </summary>
    public static WebApplication MapPlatformMetricsOnOwnListener(this WebApplication app)
    {
        if (app.Configuration[GatewayListener] is not { Length: > 0 } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return app;
        var port = uri.Port;
        app.UseOpenTelemetryPrometheusScrapingEndpoint(http => http.Request.Path == Path && http.Connection.LocalPort == port);
        return app;
    }

    internal static void UseRequestMetrics(this WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<HttpMetrics>();
        app.Use((http, next) => metrics.MeasureAsync(http, next));
    }
}

/// <summary>Registers a service's instruments, created at start so observable gauges exist before the first scrape.</summary>
public static class InstrumentRegistration
{
    public static IServiceCollection AddInstruments<T>(this IServiceCollection services) where T : class
    {
        services.AddSingleton<T>();
        services.AddHostedService(sp => new InstrumentsActivation(sp.GetRequiredService<T>()));
        return services;
    }

    private sealed class InstrumentsActivation(object instruments) : Microsoft.Extensions.Hosting.IHostedService
    {
        public object Instruments { get; } = instruments;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
