using Microsoft.Extensions.Options;

namespace Platform.Ingest.Gc;

/// <summary>Runs garbage collection every <see cref="GcOptions.Interval"/> while <see cref="GcOptions.Enabled"/>.</summary>
internal sealed partial class GcScheduler(GarbageCollector collector, IOptionsMonitor<GcOptions> options, ILogger<GcScheduler> logger)
    : BackgroundService
{
    public const string Requester = "system:gc-schedule";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CurrentValue.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!options.CurrentValue.Enabled)
                continue;
            try
            {
                await collector.RunAsync(dryRun: false, Requester, requestId: null, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // PostgreSQL away, a disk error: nothing is lost by waiting for the next tick.
                LogRunFailed(e, options.CurrentValue.Interval);
            }
        }
    }

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "scheduled gc run failed; the next one is in {Interval}")]
    private partial void LogRunFailed(Exception error, TimeSpan interval);
}
