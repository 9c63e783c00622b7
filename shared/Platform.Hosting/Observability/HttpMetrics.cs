using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Platform.Hosting.Observability;

/// <summary>
/// registry_http_request_duration_seconds: every request's duration by method, route template and status, the
/// histogram registry operators already chart (zot, distribution). The route is the endpoint's template (YARP's
/// route in the gateway), never the path, so a registry with a million repositories still has a few dozen series.
/// </summary>
public sealed class HttpMetrics
{
    public const string MeterName = "Platform.Http";

    private static readonly string[] Statuses = Enumerable.Range(0, 600).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    private readonly Histogram<double> _duration;

    public HttpMetrics(IMeterFactory meters, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var meter = meters.Create(Platform.Hosting.Observability.Telemetry.ScopedMeterName(configuration, MeterName));
        _duration = meter.CreateHistogram("registry.http.request.duration", unit: "s",
            description: "Duration of HTTP requests, by method, route and status.",
            advice: new InstrumentAdvice<double>
            {
                // From a cached manifest GET (sub-millisecond) to a multi-gigabyte blob upload.
                HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
            });
    }

    internal async Task MeasureAsync(HttpContext http, RequestDelegate next)
    {
        if (!_duration.Enabled)
        {
            await next(http);
            return;
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            var status = http.Response.StatusCode;
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("method", Method(http.Request.Method)),
                new KeyValuePair<string, object?>("route", route),
                new KeyValuePair<string, object?>("status", status is >= 0 and < 600 ? Statuses[status] : "other"));
        }
    }

    // Methods outside the known set are one series, not one per string a client invents.
    private static string Method(string method) => method switch
    {
        "GET" or "HEAD" or "POST" or "PUT" or "PATCH" or "DELETE" or "OPTIONS" => method,
        _ => "_OTHER",
    };
}
