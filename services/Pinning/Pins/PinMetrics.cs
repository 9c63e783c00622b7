using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Platform.Pinning.Pins;

/// <summary>
/// platform_pins_pending: blobs whose pin is running now or whose last attempt failed and waits for its retry (the
/// message's redelivery or the next reconciliation); platform_pins_failed_total: pin attempts that failed (IPFS
/// or Ingest away, bytes that do not match their digest).
/// </summary>
internal sealed class PinMetrics
{
    public const string MeterName = "Platform.Pinning";

    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private readonly Counter<long> _failed;

    public PinMetrics(IMeterFactory meters, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var meter = meters.Create(Platform.Hosting.Observability.Telemetry.ScopedMeterName(configuration, MeterName));
        _failed = meter.CreateCounter<long>("platform.pins.failed", description: "Pin attempts that failed.");
        meter.CreateObservableGauge("platform.pins.pending", () => _pending.Count,
            description: "Blobs whose pin is running or waits for a retry after a failure.");
    }

    public async Task<T> TrackAsync<T>(string digest, Func<Task<T>> pin, CancellationToken ct)
    {
        _pending.TryAdd(digest, 0);
        try
        {
            var outcome = await pin();
            _pending.TryRemove(digest, out _);
            return outcome;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // Stays pending: the attempt is retried; only an outcome (pinned, unpinned, nothing to do) clears it.
            _failed.Add(1);
            throw;
        }
        catch (OperationCanceledException)
        {
            // Shutting down: not a failure, and nobody is pinning it in this process any more.
            _pending.TryRemove(digest, out _);
            throw;
        }
    }
}
