using Platform.Contracts;

namespace Platform.Scaler.Policy;

/// <summary>
/// Load in replicas' worth of work: 1.0 is one replica at full load by the service's metric. A saturated replica
/// executes no more than its capacity, so what it executed understates what arrives: the queue's growth since the
/// previous point is added back (executed + growth = what arrived), and the queue itself counts as the rate that
/// would drain it in <see cref="ScalerOptions.QueueDrain"/>. A service far over capacity thus shows how far.
/// </summary>
internal static class Demand
{
    public static double Of(LoadPoint point, LoadPoint? previous, string metric, ScalerOptions options)
    {
        var load = point.Load;
        var drain = Math.Max(options.QueueDrain.TotalSeconds, 1);
        var elapsed = previous is null ? 0 : (point.At - previous.At).TotalSeconds;
        var growth = elapsed > 0 ? (load.QueueDepth - previous!.Load.QueueDepth) / elapsed : 0;
        switch (metric)
        {
            case ScalingMetrics.Messages:
                return Math.Max(0, load.MessagesPerSecond + growth + load.QueueDepth / drain) / options.MessagesPerReplica;
            case ScalingMetrics.Queue:
                return load.QueueDepth / options.QueuePerReplica;
            default:
                var perMessage = load.MessagesPerSecond > 0 ? load.InstructionsPerSecond / load.MessagesPerSecond : 0;
                return Math.Max(0, load.InstructionsPerSecond + (growth + load.QueueDepth / drain) * perMessage) / options.InstructionsPerReplica;
        }
    }

    /// <summary>
    /// The service's demand at <paramref name="at"/>: the sum over its canisters of each one's mean over the
    /// <paramref name="window"/> before its newest point. A canister with no point in the last three windows (not
    /// there yet, or silent) adds nothing.
    /// </summary>
    public static double At(IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> history, IEnumerable<string> canisters,
        DateTimeOffset at, TimeSpan window, string metric, ScalerOptions options)
    {
        var total = 0.0;
        foreach (var canister in canisters)
        {
            if (!history.TryGetValue(canister, out var points))
                continue;
            // The window ends at the canister's newest point up to then, not at the clock: a decision round that
            // runs just before a sample arrives still sees the previous one (up to three windows old).
            var end = DateTimeOffset.MinValue;
            foreach (var p in points)
                if (p.At <= at && p.At > end)
                    end = p.At;
            if (end < at - 3 * window)
                continue;
            double sum = 0;
            var count = 0;
            for (var i = 0; i < points.Count; i++)
            {
                var p = points[i];
                if (p.At <= end && p.At > end - window)
                {
                    sum += Of(p, i > 0 ? points[i - 1] : null, metric, options);
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
