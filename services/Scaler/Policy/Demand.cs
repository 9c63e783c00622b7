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
        if (metric == ScalingMetrics.Queue)
            return load.QueueDepth / options.QueuePerReplica;
        var drain = Math.Max(options.QueueDrain.TotalSeconds, 1);
        var elapsed = previous is null ? 0 : (point.At - previous.At).TotalSeconds;
        var growth = elapsed > 0 ? (load.QueueDepth - previous!.Load.QueueDepth) / elapsed : 0;
        // Everything in fractions of one replica's capacity: messages, or instructions at this point's cost per message.
        var (executed, before, perMessage) = metric == ScalingMetrics.Messages
            ? (load.MessagesPerSecond / options.MessagesPerReplica, previous?.Load.MessagesPerSecond / options.MessagesPerReplica, 1 / options.MessagesPerReplica)
            : (load.InstructionsPerSecond / options.InstructionsPerReplica, previous?.Load.InstructionsPerSecond / options.InstructionsPerReplica,
                load.MessagesPerSecond > 0 ? load.InstructionsPerSecond / load.MessagesPerSecond / options.InstructionsPerReplica : 0);
        var arrived = executed + growth * perMessage;
        // A burst that starts inside a window shows only in part of it: the queue grew in the seconds the replica was
        // saturated, not over the whole window. When it had no queue before, the rise of its executed rate says which
        // part that was (saturated for all of it: up to capacity), and the growth spread over that part is what
        // arrives now. Without this, a burst starting late in a window is met in two steps, ten seconds later.
        if (previous is not null && previous.Load.QueueDepth == 0 && growth > 0 && before is { } b && b < 1 && executed > b)
        {
            var saturated = Math.Clamp((executed - b) / (1 - b), 0.2, 1);
            arrived = Math.Max(arrived, 1 + growth * perMessage / saturated);
        }
        return Math.Max(0, arrived + load.QueueDepth / drain * perMessage);
    }

    /// <summary>
    /// The service's demand at <paramref name="at"/>: the sum over its canisters of each one's mean over the
    /// <paramref name="window"/> before its newest point. A canister with no point in the last three windows (not
    /// there yet, or silent) adds nothing.
    /// </summary>
    public static double At(IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> history, IEnumerable<string> canisters,
        DateTimeOffset at, TimeSpan window, string metric, ScalerOptions options)
    {
        return Total(SeriesOf(history, canisters, metric, options), at, window);
    }

    /// <summary>The highest <see cref="At"/> over the points of the last <paramref name="span"/>.</summary>
    public static double Peak(IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> history, IReadOnlyCollection<string> canisters,
        DateTimeOffset now, TimeSpan span, TimeSpan window, string metric, ScalerOptions options)
    {
        var all = SeriesOf(history, canisters, metric, options);
        var times = all.SelectMany(x => x.Times).Where(t => t <= now && t > now - span).Distinct();
        var peak = 0.0;
        foreach (var t in times)
            peak = Math.Max(peak, Total(all, t, window));
        return peak;
    }

    /// <summary>
    /// The largest rise of the arrivals within <paramref name="rise"/> over the points of the last
    /// <paramref name="span"/>: how big a burst the service has shown it can get, faster than a scale-out can follow.
    /// Arrivals only (executed plus the queue's growth): the backlog a burst leaves behind is not part of the next one.
    /// </summary>
    public static double Jump(IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> history, IReadOnlyCollection<string> canisters,
        DateTimeOffset now, TimeSpan span, TimeSpan rise, TimeSpan window, string metric, ScalerOptions options)
    {
        var all = SeriesOf(history, canisters, metric, options with { QueueDrain = TimeSpan.MaxValue });
        var times = all.SelectMany(x => x.Times).Where(t => t <= now && t > now - span).Distinct().Order().ToList();
        var jump = 0.0;
        for (var i = 0; i < times.Count; i++)
        {
            var at = Total(all, times[i], window);
            var low = double.MaxValue;
            // The lowest point of the rise's span before it (a rise seen over several samples counts whole).
            for (var j = i - 1; j >= 0 && times[j] >= times[i] - rise; j--)
                low = Math.Min(low, Total(all, times[j], window));
            if (low < double.MaxValue)
                jump = Math.Max(jump, at - low);
        }
        return jump;
    }

    /// <summary>
    /// How fast the demand changes, in replicas' worth per second: the least-squares slope of <see cref="At"/> over
    /// the points of the last <paramref name="span"/> (zero with fewer than three).
    /// </summary>
    public static double Trend(IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> history, IReadOnlyCollection<string> canisters,
        DateTimeOffset now, TimeSpan span, TimeSpan window, string metric, ScalerOptions options)
    {
        var all = SeriesOf(history, canisters, metric, options);
        var times = all.SelectMany(x => x.Times).Where(t => t <= now && t > now - span).Distinct().ToList();
        if (times.Count < 3)
            return 0;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var t in times)
        {
            var x = (t - now).TotalSeconds;
            var y = Total(all, t, window);
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        var d = times.Count * sxx - sx * sx;
        return d > 0 ? (times.Count * sxy - sx * sy) / d : 0;
    }

    private static double Total(List<Series> all, DateTimeOffset at, TimeSpan window)
    {
        var total = 0.0;
        foreach (var series in all)
            total += series.MeanAt(at, window);
        return total;
    }

    private static List<Series> SeriesOf(IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> history, IEnumerable<string> canisters,
        string metric, ScalerOptions options)
    {
        var all = new List<Series>();
        foreach (var canister in canisters)
            if (history.TryGetValue(canister, out var points) && points.Count > 0)
                all.Add(new Series(points, metric, options));
        return all;
    }

    /// <summary>
    /// One canister's demand per point, in time order, with running sums: a window's mean is two lookups, so the
    /// peak over ten minutes of points costs no more than reading them (the benchmark runs it thousands of times).
    /// </summary>
    private sealed class Series
    {
        private readonly DateTimeOffset[] _at;
        private readonly double[] _sum;

        public Series(IReadOnlyList<LoadPoint> points, string metric, ScalerOptions options)
        {
            // Each point's growth is against the point before it in the list, as the window holds them (oldest first).
            var values = new (DateTimeOffset At, double Demand)[points.Count];
            for (var i = 0; i < points.Count; i++)
                values[i] = (points[i].At, Of(points[i], i > 0 ? points[i - 1] : null, metric, options));
            var ordered = values.OrderBy(v => v.At).ToArray();
            _at = ordered.Select(v => v.At).ToArray();
            _sum = new double[ordered.Length + 1];
            for (var i = 0; i < ordered.Length; i++)
                _sum[i + 1] = _sum[i] + ordered[i].Demand;
        }

        public IEnumerable<DateTimeOffset> Times => _at;

        public double MeanAt(DateTimeOffset at, TimeSpan window)
        {
            // The window ends at the canister's newest point up to then, not at the clock: a decision round that
            // runs just before a sample arrives still sees the previous one (up to three windows old).
            var last = UpperBound(at) - 1;
            if (last < 0 || _at[last] < at - 3 * window)
                return 0;
            var first = UpperBound(_at[last] - window);
            var count = last + 1 - first;
            return count > 0 ? (_sum[last + 1] - _sum[first]) / count : 0;
        }

        /// <summary>The index of the first point after <paramref name="t"/>.</summary>
        private int UpperBound(DateTimeOffset t)
        {
            int lo = 0, hi = _at.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (_at[mid] <= t)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            return lo;
        }
    }
}
