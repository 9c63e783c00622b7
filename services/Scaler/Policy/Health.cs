namespace Platform.Scaler.Policy;

/// <summary>
/// Whether a canister still does its job: one that traps on most of what it runs, that has messages waiting and runs
/// none of them, that its subnet stopped reporting, or that is stopped, is replaced.
/// </summary>
internal static class Health
{
    /// <summary>Why the canister is unhealthy, or null when it is fine (or there is too little to judge by).</summary>
    public static string? Problem(IReadOnlyList<LoadPoint>? points, IReadOnlyList<SubnetView> subnets, DateTimeOffset now, ScalerOptions options)
    {
        if (points is not { Count: > 0 })
            return null;
        var latest = points[^1];
        if (latest.Load.Status == "stopped")
            return "stopped";

        // Its subnet has reported since without it: the canister is gone from the engine.
        var subnet = subnets.FirstOrDefault(s => s.SubnetId == latest.SubnetId);
        if (subnet is not null && subnet.At - latest.At > options.HealthWindow)
            return "not reported by its subnet";

        var recent = points.Where(p => p.At > now - options.HealthWindow).ToList();
        if (recent.Count == 0)
            return null;
        long traps = 0;
        double messages = 0;
        foreach (var p in recent)
        {
            traps += p.Load.Traps;
            messages += p.Load.MessagesPerSecond * p.WindowSeconds;
        }
        if (traps >= options.TrapThreshold && traps >= 0.5 * messages)
            return "traps repeatedly";

        // Waiting messages and nothing executed, in every window of a span long enough to be more than a pause.
        var span = recent[^1].At - recent[0].At + TimeSpan.FromSeconds(recent[0].WindowSeconds);
        if (span >= options.HealthWindow * 0.6 && recent.All(p => p.Load.QueueDepth > 0 && p.Load.MessagesPerSecond == 0))
            return "does not answer";
        return null;
    }
}
