using System.Globalization;
using Platform.Contracts;

namespace Platform.Scaler.Policy;

/// <summary>
/// The Scaler's decision for one service, as a pure function of its recent signals, its declared bounds and
/// policy, and its previous decision. In order:
/// <list type="number">
/// <item>Health: an unhealthy instance (see <see cref="Health"/>) is replaced at once, one per decision, cooldown
/// or not (a replacement keeps the count, so it cannot flap). An instance that is leaving already (being replaced,
/// or removed by a pending scale-in: Deploy stops it before deleting it) is not judged.</item>
/// <item>A decision Deploy has not applied yet holds the service (up to <see cref="ScalerOptions.PendingTimeout"/>).</item>
/// <item>Bounds: a count outside min/max is brought inside, cooldown or not.</item>
/// <item>Cooldown: within the service's cooldown of its previous decision nothing is decided, except a further
/// scale-out after a scale-out once all instances report, and a scale-out of a service whose demand is above what its
/// instances can execute at all.</item>
/// <item>Out: when the recent mean utilisation is above target × (1 + band), to the count that brings it to the
/// target, at least one more, at most <see cref="ScalerOptions.MaxStep"/> more (or double, for bigger services),
/// never above max; a burst the service had before and that comes back is judged at
/// <see cref="ScalerOptions.BurstUtilisation"/> instead, which is what burst memory kept its replicas for. A sharded
/// service splits instead (shards never merge: keys would have to move back).</item>
/// <item>In: when even the peak of the stabilisation window is below target × (1 - band), to the most of: the count
/// that keeps that peak at the target; the count that carries the current demand plus the largest burst of the long
/// window at <see cref="ScalerOptions.BurstUtilisation"/>; the count that carries the demand, rising at its current
/// trend, until a scale-out could answer it. At most MaxStep fewer, never below min.</item>
/// </list>
/// Utilisation is demand (see <see cref="Demand"/>) over the instance count.
/// </summary>
internal static class ScalerPolicy
{
    public static Decision? Decide(ServiceSignals s, DateTimeOffset now, ScalerOptions options,
        IReadOnlyCollection<string>? beingReplaced = null)
    {
        var service = s.Service;
        var n = service.Instances.Count;
        var canisters = service.Instances.Select(i => i.CanisterId).ToList();
        var target = service.Scaling?.Target is > 0 and < 1 and var t ? t : options.DefaultTarget;
        var metric = ScalingMetrics.IsKnown(service.Scaling?.Metric) ? service.Scaling!.Metric : options.DefaultMetric;
        var cooldown = service.Scaling?.Cooldown is { } c && c > TimeSpan.Zero ? c : options.DefaultCooldown;

        var demand = Demand.At(s.History, canisters, now, options.ShortWindow, metric, options);
        var signals = new Dictionary<string, double>
        {
            ["instances"] = n,
            ["demand"] = Round(demand),
            ["utilisation"] = n > 0 ? Round(demand / n) : 0,
            ["target"] = target,
        };

        var leaving = Leaving(s, n, now, options, beingReplaced);
        foreach (var instance in service.Instances)
        {
            if (leaving.Contains(instance.CanisterId))
                continue;
            s.History.TryGetValue(instance.CanisterId, out var points);
            if (Health.Problem(points, s.Subnets, now, options) is not { } problem)
                continue;
            var latest = points![^1].Load;
            var why = new Dictionary<string, double>(signals)
            {
                ["traps"] = points.Where(p => p.At > now - options.HealthWindow).Sum(p => p.Load.Traps),
                ["queueDepth"] = latest.QueueDepth,
                ["messagesPerSecond"] = Round(latest.MessagesPerSecond),
            };
            var share = latest.InstructionsPerSecond;
            var subnet = Placement.Choose(s, 1, share, options, [instance.CanisterId]);
            if (subnet.Count == 0)
                continue;
            return new Decision(DecisionKind.Replace, n, n, subnet, [instance.CanisterId], why,
                $"{instance.CanisterId} {problem}");
        }

        if (s.Last is { } last && last.TargetCount != n && now - last.At < options.PendingTimeout)
            return null;

        // A subnet over capacity: one instance moves off it (a replacement elsewhere), cooldown or not, since the count
        // stays. Never otherwise.
        if (Placement.Rebalance(s, options, leaving) is { } move)
        {
            var why = new Dictionary<string, double>(signals)
            {
                ["subnetUtilisation"] = Round(move.Utilisation),
                ["instructionsPerSecond"] = Round(s.History.TryGetValue(move.CanisterId, out var moved) && moved.Count > 0 ? moved[^1].Load.InstructionsPerSecond : 0),
            };
            return new Decision(DecisionKind.Replace, n, n, [move.To], [move.CanisterId], why,
                $"{move.CanisterId} moves off {move.From}, at {Percent(move.Utilisation)} of its capacity");
        }

        var sharded = service.Sharding is not null;
        var (min, max) = sharded
            ? (Math.Max(1, service.Sharding!.MinShards), Math.Max(1, service.Sharding.MaxShards))
            : service.Replicas is { } r ? (Math.Max(1, r.Min), Math.Max(1, r.Max)) : (n, n);
        if (n == 0 || min > max)
            return null;
        signals["min"] = min;
        signals["max"] = max;

        var total = Placement.ServiceInstructions(s);
        if (n < min)
            return Out(s, sharded, n, min, total, signals, $"below the minimum of {min}", options);
        if (n > max && !sharded)
            return In(s, n, max, signals, $"above the maximum of {max}", options);

        var utilisation = demand / n;
        var cooling = s.Last is { } previous && now - previous.At < cooldown;
        // Within the cooldown only a further scale-out may follow a scale-out, and only once every instance has
        // reported since (the new replicas carry load): a spike beyond one step is met step by step. A reversal,
        // the flap the cooldown is there to prevent, waits, unless the demand is above what the instances can
        // execute at all: the cooldown is against flapping around the target, not a reason to leave a burst that
        // comes just after a scale-in unserved for a minute.
        if (cooling && !(s.Last!.Kind is DecisionKind.ScaleOut or DecisionKind.ShardSplit ? AllReportedSince(s, s.Last.At) : utilisation > 1))
            return null;

        var span = options.LongWindow > cooldown ? options.LongWindow : cooldown;
        var settle = options.StabilisationWindow < span ? options.StabilisationWindow : span;
        // The peaks count every canister the signals carry, the ones that left the service within the window too:
        // their load moved to the others, and without it each scale-in would lower the peak the next one is judged by.
        var all = s.History.Keys.ToList();
        var recent = Demand.Jump(s.History, all, now, settle, options.BurstRise, options.ShortWindow, metric, options);

        // A burst the service has had before, back again (at least doubled within BurstRise, and no bigger than one
        // remembered from before the stabilisation window): burst memory kept capacity for it at BurstUtilisation,
        // so it is measured against that, not the target. Sizing it at the target would add replicas for a minute's
        // burst that the kept ones carry, and remove them again a cooldown later.
        var returning = utilisation > target * (1 + options.Band) && recent > 0 && recent >= demand - recent
            && recent <= Demand.Jump(s.History, all, now - settle, span - settle, options.BurstRise, options.ShortWindow, metric, options) * (1 + options.Band);
        var outAt = returning ? options.BurstUtilisation : target;
        if (returning)
            signals["returningBurst"] = Round(recent);
        if (utilisation > outAt * (returning ? 1 : 1 + options.Band) && n < max)
        {
            // At most MaxStep more, or double when the service is already bigger than that.
            var step = Math.Max(options.MaxStep, n);
            var to = Math.Clamp((int)Math.Ceiling(demand / outAt), n + 1, Math.Min(n + step, max));
            return Out(s, sharded, n, to, total, signals,
                $"utilisation {Percent(utilisation)} above the target {Percent(outAt)}" + (returning ? " of a returning burst" : ""), options);
        }

        if (sharded || n <= min || cooling)
            return null;
        var peak = Demand.Peak(s.History, all, now, settle, options.ShortWindow, metric, options);
        var jump = Demand.Jump(s.History, all, now, span, options.BurstRise, options.ShortWindow, metric, options);
        // Judged only once the stabilisation window is covered: a service deployed a minute ago has no peak to go by yet.
        var covered = s.History.Where(h => canisters.Contains(h.Key)).SelectMany(h => h.Value).Select(p => p.At).DefaultIfEmpty(now).Min() <= now - settle;
        // A scale-in is not reversed before the cooldown is over and a new replica serves: what it keeps must carry
        // the demand until then, at the rate it is rising now (a scale-in on the way out of a trough would
        // otherwise be followed by an overload the cooldown forbids to answer).
        var trend = Demand.Trend(s.History, all, now, options.TrendWindow, options.ShortWindow, metric, options);
        var coming = demand + Math.Max(0, trend) * (cooldown + options.TrendLead).TotalSeconds;
        signals["peakDemand"] = Round(peak);
        signals["burst"] = Round(jump);
        signals["trend"] = Round(trend);
        // A peak that was a burst which has ended: within the stabilisation window the demand at least doubled
        // faster than a scale-out can follow, that rise accounts for the peak, and the demand fell back. Burst
        // memory keeps capacity for it to return at BurstUtilisation; holding its peak at the target on top of that,
        // for the stabilisation window, would pay for the same burst twice.
        // Judged on arrivals: the queue a saturated burst left is not load that comes back.
        var arrived = Demand.Peak(s.History, all, now, settle, options.ShortWindow, metric, options with { QueueDrain = TimeSpan.MaxValue });
        var ended = recent >= demand && demand + recent >= arrived * (1 - options.Band);
        var (kept, peakAt) = ended ? (arrived, options.BurstUtilisation) : (peak, target);
        if (ended)
            signals["endedBurst"] = Round(recent);
        if (covered && kept / n < peakAt * (1 - options.Band))
        {
            var keep = Math.Max(Math.Max((int)Math.Ceiling(kept / peakAt - 1e-9), (int)Math.Ceiling((demand + jump) / options.BurstUtilisation - 1e-9)), min);
            keep = Math.Max(keep, (int)Math.Ceiling(coming / target));
            var to = Math.Max(keep, n - options.MaxStep);
            if (to < n)
                return In(s, n, to, signals, $"peak utilisation {Percent(peak / n)} below the target {Percent(target)}", options);
        }
        return null;
    }

    /// <summary>
    /// The instances on their way out: the ones being replaced, and the ones a scale-in Deploy has not applied yet
    /// removes. A replacement decided for one of them would name a canister Deploy is deleting, and be refused.
    /// </summary>
    private static HashSet<string> Leaving(ServiceSignals s, int n, DateTimeOffset now, ScalerOptions options,
        IReadOnlyCollection<string>? beingReplaced)
    {
        var leaving = new HashSet<string>(beingReplaced ?? [], StringComparer.Ordinal);
        if (s.Last is { Kind: DecisionKind.ScaleIn, Removing: { } removing } last && last.TargetCount != n && now - last.At < options.PendingTimeout)
            leaving.UnionWith(removing);
        return leaving;
    }

    private static bool AllReportedSince(ServiceSignals s, DateTimeOffset at) =>
        s.Service.Instances.All(i => s.History.TryGetValue(i.CanisterId, out var points) && points.Any(p => p.At > at));

    private static Decision Out(ServiceSignals s, bool sharded, int n, int to, double total,
        Dictionary<string, double> signals, string reason, ScalerOptions options)
    {
        signals["instructionsPerSecond"] = Round(total);
        // What each instance will execute once the new ones serve: a saturated service executes less than arrives,
        // so by instructions the demand says more than the executed rate.
        var expected = s.Service.Scaling?.Metric is null or ScalingMetrics.Instructions
            ? Math.Max(total, signals["demand"] * options.InstructionsPerReplica) : total;
        var subnets = Placement.Choose(s, to - n, expected / to, options);
        return new Decision(sharded ? DecisionKind.ShardSplit : DecisionKind.ScaleOut, n, to, subnets, [], signals, reason);
    }

    private static Decision In(ServiceSignals s, int n, int to, Dictionary<string, double> signals, string reason, ScalerOptions options) =>
        new(DecisionKind.ScaleIn, n, to, [], Placement.ToRemove(s, n - to, options), signals, reason);

    private static double Round(double value) => Math.Round(value, 4);

    private static string Percent(double value) => value.ToString("P0", CultureInfo.InvariantCulture);
}
