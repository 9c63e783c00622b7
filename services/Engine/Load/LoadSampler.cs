using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;

namespace Platform.Engine.Load;

/// <summary>Turns the counters of an instance's canisters into one load sample per subnet.</summary>
internal static class LoadSnapshot
{
    /// <summary>Takes (and resets) the counters; the caller holds the instance's gate.</summary>
    public static List<EngineLoadSampleV1> Take(EngineInstance instance, DateTimeOffset start, DateTimeOffset end)
    {
        var seconds = Math.Max((end - start).TotalSeconds, 0.001);
        var samples = new List<EngineLoadSampleV1>(instance.Subnets.Count);
        foreach (var subnet in instance.Subnets)
        {
            var queued = subnet.Inbox.GroupBy(m => m.Receiver).ToDictionary(g => g.Key, g => g.Count());
            var canisters = new List<CanisterLoad>(subnet.Canisters.Count);
            var calls = new List<CallEdge>();
            foreach (var canister in subnet.Canisters.Values)
            {
                var (messages, instructions, traps, edges) = canister.Load.Take();
                canisters.Add(new CanisterLoad(canister.Load.CanisterTag, messages / seconds, instructions / seconds, canister.MemorySize,
                    queued.GetValueOrDefault(canister.Id), traps, StatusName(canister.Status)));
                calls.AddRange(edges.Select(e => new CallEdge(canister.Load.CanisterTag, e.Key.ToString(), e.Value)));
            }
            samples.Add(new EngineLoadSampleV1(InstanceName(instance), subnet.Id.ToString(),
                subnet.Kind.ToString(), start, end, canisters, calls));
        }
        return samples;
    }

    // The long-lived instance is known by its name everywhere outside the engine (Deploy, the Scaler); instances a
    // test client creates are known by their PocketIC number.
    private static string InstanceName(EngineInstance instance) => instance.Store is not null
        ? Persistence.PersistentInstanceService.InstanceName
        : instance.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string StatusName(CanisterStatus status) => status switch
    {
        CanisterStatus.Running => "running",
        CanisterStatus.Stopping => "stopping",
        _ => "stopped",
    };
}

/// <summary>
/// Every <c>Engine:LoadSampleInterval</c> (5 s by default; 0 turns sampling off) samples every instance, keeps the
/// newest samples for the memory and queue gauges, and publishes them on RabbitMQ for the Scaler when a broker is
/// configured (ConnectionStrings:RabbitMq). A sample that cannot be published is dropped: the next one replaces it.
/// </summary>
internal sealed partial class LoadSampler(InstanceRegistry registry, IOptions<EngineOptions> options, IServiceProvider services, ILogger<LoadSampler> logger)
    : BackgroundService
{
    private volatile IReadOnlyList<EngineLoadSampleV1> _latest = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.LoadSampleInterval;
        if (interval <= TimeSpan.Zero) return;
        var publisher = services.GetService<IBus>(); // the bus itself: IPublishEndpoint is scoped
        EngineTelemetry.LatestSamples = () => _latest;
        var windowStart = DateTimeOffset.UtcNow;
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var windowEnd = DateTimeOffset.UtcNow;
            var samples = await SampleAsync(windowStart, windowEnd, stoppingToken);
            windowStart = windowEnd;
            _latest = samples;
            if (publisher is null) continue;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(interval);
            try
            {
                foreach (var sample in samples) await publisher.Publish(sample, timeout.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogPublishFailed(e, samples.Count);
            }
        }
    }

    private async Task<List<EngineLoadSampleV1>> SampleAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        var samples = new List<EngineLoadSampleV1>();
        foreach (var id in registry.Ids)
        {
            if (registry.Find(id) is not { } instance) continue;
            try { await instance.Gate.WaitAsync(ct); }
            catch (ObjectDisposedException) { continue; } // deleted meanwhile
            try { samples.AddRange(LoadSnapshot.Take(instance, start, end)); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A sampling bug must not stop the engine (a BackgroundService that throws stops the host).
                LogSampleFailed(e, id);
            }
            finally { instance.Gate.Release(); }
        }
        return samples;
    }

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Sampling the load of instance {Instance} failed")]
    private partial void LogSampleFailed(Exception exception, int instance);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Publishing {Count} load samples failed; the next window replaces them")]
    private partial void LogPublishFailed(Exception exception, int count);
}
