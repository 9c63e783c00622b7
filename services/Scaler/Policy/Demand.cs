using Platform.Contracts;

namespace Platform.Scaler.Policy;

/// <summary>
/// Load in replicas' worth of work: 1.0 is one replica at full load by the service's metric. Work waiting in the
/// queue counts as the rate that would drain it in <see cref="ScalerOptions.QueueDrain"/>, so a saturated service
/// shows how far over capacity it is, not just that it is at 100 %.
/// </summary>
internal static class Demand
{
    public static double Of(CanisterLoad load, string metric, ScalerOptions options)
    {
        var drain = Math.Max(options.QueueDrain.TotalSeconds, 1);
        switch (metric)
        {
            case ScalingMetrics.Messages:
                return (load.MessagesPerSecond + load.QueueDepth / drain) / options.MessagesPerReplica;
            case ScalingMetrics.Queue:
                return load.QueueDepth / options.QueuePerReplica;
            default:
                var perMessage = load.MessagesPerSecond > 0 ? load.InstructionsPerSecond / load.MessagesPerSecond : 0;
                return (load.InstructionsPerSecond + load.QueueDepth * perMessage / drain) / options.InstructionsPerReplica;
        }
    }

    /// <summary>
    /// The service's demand at <paramref name="at"/>: the sum over its canisters of each one's mean over the
    /// <paramref name="window"/> before it. A canister with no point in the window (not there yet, or silent)
    /// adds nothing.
    /// </summary>
    public static double At(IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> history, IEnumerable<string> canisters,
        DateTimeOffset at, TimeSpan window, string metric, ScalerOptions options)
    {
        var total = 0.0;
        foreach (var canister in canisters)
        {
            if (!history.TryGetValue(canister, out var points))
                continue;
            double sum = 0;
            var count = 0;
            foreach (var p in points)
            {
                if (p.At <= at && p.At > at - window)
                {
                    sum += Of(p.Load, metric, options);
                    count++;
                }
            }
            if (count > 0)
                total += sum / count;
        }
        return total;
    }

    /// <summary>The highest <see cref="At"/> over the points of the last <paramref name="span"/>.</summary>
    public static double Peak(IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> history, IReadOnlyCollection<string> canisters,
        DateTimeOffset now, TimeSpan span, TimeSpan window, string metric, ScalerOptions options)
    {
        var peak = 0.0;
        var times = canisters.SelectMany(c => history.TryGetValue(c, out var p) ? p : []).Select(p => p.At)
            .Where(t => t <= now && t > now - span).Distinct();
        foreach (var t in times)
            peak = Math.Max(peak, At(history, canisters, t, window, metric, options));
        return peak;
    }
}
