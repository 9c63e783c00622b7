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

    /// <summary>
    /// Traces and metrics for ASP.NET Core, HttpClient, Npgsql, Marten and MassTransit. They are exported over
    /// OTLP (Jaeger ingests it) only when OTEL_EXPORTER_OTLP_ENDPOINT is set, so a developer machine without a
    /// collector does not spend time failing to export.
    /// </summary>
    public static WebApplicationBuilder AddPlatformTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        // Without a collector, instrumentation would still create and fill an activity per request and query for
        // nobody: measurable on the manifest GET path. Telemetry is all or nothing.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            return builder;

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName: $"platform-{serviceName}", serviceNamespace: "platform"))
            .WithTracing(t =>
            {
                t.AddSource(SourceName, "MassTransit", "Marten")
                    .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsHealthProbe(ctx.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
            })
            .WithMetrics(m =>
            {
                m.AddMeter(SourceName, "MassTransit", "Marten")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
            });

        telemetry.UseOtlpExporter();

        return builder;
    }

    private static bool IsHealthProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");
}
