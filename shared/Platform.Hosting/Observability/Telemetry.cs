using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Platform.Hosting.Observability;

public static class Telemetry
{
    /// <summary>The activity source and meter name of Platform's own spans and instruments.</summary>
    public const string SourceName = "Platform";

    /// <summary>The meters /metrics exports besides Platform's own (ASP.NET Core's, Kestrel's, the runtime's).</summary>
    private static readonly string[] FrameworkMeters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing", "System.Runtime"];

    /// <summary>
    /// Metrics for /metrics (Prometheus text, see <see cref="MetricsEndpoint"/>), always; traces, and metrics for
    /// HttpClient, Npgsql, Marten and MassTransit too, exported over OTLP (Jaeger ingests it) only when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set, so a developer machine without a collector does not spend time failing
    /// to export.
    /// </summary>
    /// <summary>
    /// A meter's name as this host creates and exports it: the name, plus <c>Telemetry:MeterSuffix</c> when that is
    /// set. Only hosts that share a process need it (the integration tests run several services, and several stacks,
    /// in one): the SDK keeps the first of two same-named instruments it sees and drops the other, and every host's
    /// provider sees every host's meters, so without a suffix of its own a host could export another's (disposed)
    /// instruments instead of its own. A service running alone, as deployed, has no suffix.
    /// </summary>
    public static string ScopedMeterName(Microsoft.Extensions.Configuration.IConfiguration configuration, string meterName) =>
        meterName + MeterSuffix(configuration);

    private static string MeterSuffix(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        configuration["Telemetry:MeterSuffix"] ?? "";

    public static WebApplicationBuilder AddPlatformTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddSingleton<HttpMetrics>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName: $"platform-{serviceName}", serviceNamespace: "platform"))
            .WithMetrics(m => m
                .AddMeter(SourceName + MeterSuffix(builder.Configuration), SourceName + ".*" + MeterSuffix(builder.Configuration))
                .AddMeter(FrameworkMeters)
                // A scrape reads the instruments as they are now (the exporter caches 300 ms by default): a test
                // or an operator who pushes and then scrapes sees the push.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

        // Without a collector, tracing would still create and fill an activity per request and query for nobody:
        // measurable on the manifest GET path. Traces are all or nothing.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            return builder;

        telemetry
            .WithTracing(t =>
            {
                t.AddSource(SourceName, "MassTransit", "Marten")
                    .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsHealthProbe(ctx.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
            })
            .WithMetrics(m =>
            {
                m.AddMeter("MassTransit", "Marten")
                    .AddHttpClientInstrumentation();
            });

        telemetry.UseOtlpExporter();

        return builder;
    }

    private static bool IsHealthProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");
}
