using Platform.Contracts;

namespace Platform.Scaler.Policy;

/// <summary>
/// Where new instances go and which ones leave. A subnet's cost is first its load against its capacity after the
/// new instance's share lands on it: subnets within <see cref="ScalerOptions.PlacementTolerance"/> of the cheapest
/// count as equal, and a subnet that would go over capacity is only used when every subnet would. Among the equal
/// ones the call graph decides: the subnet whose canisters exchange the most calls with the service (callers and
/// callees alike) wins, since those calls then stay on one subnet. Then the subnet with fewer of the service's
/// instances (spread), then the lower load, then the subnet id, so the answer is deterministic.
/// </summary>
internal static class Placement
{
    /// <param name="share">Instructions per second each new instance is expected to take.</param>
    /// <param name="leaving">Canisters whose load is about to go away (a replaced one).</param>
    public static IReadOnlyList<string> Choose(ServiceSignals s, int count, double share, ScalerOptions options,
        IReadOnlyCollection<string>? leaving = null)
    {
        var own = s.Service.Instances.Select(i => i.CanisterId).ToHashSet(StringComparer.Ordinal);
        var eligible = s.Subnets.Where(x => options.SubnetKinds.Contains(x.Kind, StringComparer.OrdinalIgnoreCase)).ToList();
        if (eligible.Count == 0)
            eligible = s.Subnets.ToList();
        if (eligible.Count == 0)
            return [];

        var load = eligible.ToDictionary(x => x.SubnetId, x => x.InstructionsPerSecond, StringComparer.Ordinal);
        foreach (var gone in leaving ?? [])
            if (s.SubnetOfCanister.TryGetValue(gone, out var at) && load.ContainsKey(at))
                load[at] = Math.Max(0, load[at] - LatestInstructions(s, gone));
        var instances = eligible.ToDictionary(x => x.SubnetId,
            x => s.Service.Instances.Count(i => i.SubnetId == x.SubnetId && !(leaving?.Contains(i.CanisterId) ?? false)), StringComparer.Ordinal);
        var locality = eligible.ToDictionary(x => x.SubnetId, x => Locality(s, own, x.SubnetId), StringComparer.Ordinal);

        var chosen = new List<string>(count);
        for (var n = 0; n < count; n++)
        {
            var projected = eligible.Select(x => (x.SubnetId, Utilisation: (load[x.SubnetId] + share) / options.InstructionsPerSubnet)).ToList();
            var fits = projected.Where(p => p.Utilisation <= 1).ToList();
            var pool = fits.Count > 0 ? fits : projected;
            var best = pool.Min(p => p.Utilisation);
            var pick = pool.Where(p => p.Utilisation <= best + options.PlacementTolerance)
                .OrderByDescending(p => locality[p.SubnetId])
                .ThenBy(p => instances[p.SubnetId])
                .ThenBy(p => p.Utilisation)
                .ThenBy(p => p.SubnetId, StringComparer.Ordinal)
                .First().SubnetId;
            chosen.Add(pick);
            load[pick] += share;
            instances[pick]++;
        }
        return chosen;
    }

    /// <summary>
    /// The <paramref name="count"/> instances a scale-in removes: those on the busiest subnets first (removing them
    /// relieves the subnet), then the ones with the fewest calls to their own subnet (they save the least), then by id.
    /// </summary>
    public static IReadOnlyList<string> ToRemove(ServiceSignals s, int count, ScalerOptions options)
    {
        var own = s.Service.Instances.Select(i => i.CanisterId).ToHashSet(StringComparer.Ordinal);
        var subnetLoad = s.Subnets.ToDictionary(x => x.SubnetId, x => x.InstructionsPerSecond, StringComparer.Ordinal);
        return s.Service.Instances
            .OrderByDescending(i => subnetLoad.GetValueOrDefault(i.SubnetId) / options.InstructionsPerSubnet)
            .ThenBy(i => Locality(s, own, i.SubnetId, i.CanisterId))
            .ThenBy(i => i.CanisterId, StringComparer.Ordinal)
            .Take(count)
            .Select(i => i.CanisterId)
            .ToList();
    }

    /// <summary>
    /// Rebalancing: when a subnet carrying one of the service's instances is over capacity, the instance whose move
    /// relieves it most (the busiest), then, among equals, the one with the fewest calls to canisters on that subnet
    /// (it loses the least locality), moves to where <see cref="Choose"/> would put it, if that subnet takes it
    /// within capacity. Nothing moves otherwise: a healthy instance stays where it is. Instances already being
    /// replaced count as gone from their subnet, so one overload is not relieved twice.
    /// </summary>
    public static (string CanisterId, string From, string To, double Utilisation)? Rebalance(ServiceSignals s, ScalerOptions options,
        IReadOnlyCollection<string>? beingReplaced = null)
    {
        var own = s.Service.Instances.Select(i => i.CanisterId).ToHashSet(StringComparer.Ordinal);
        var leaving = beingReplaced ?? [];
        foreach (var subnet in s.Subnets.OrderByDescending(x => x.InstructionsPerSecond).ThenBy(x => x.SubnetId, StringComparer.Ordinal))
        {
            var load = subnet.InstructionsPerSecond - leaving.Where(c => s.SubnetOfCanister.GetValueOrDefault(c) == subnet.SubnetId)
                .Sum(c => LatestInstructions(s, c));
            var utilisation = load / options.InstructionsPerSubnet;
            if (utilisation <= 1)
                continue;
            var candidates = s.Service.Instances
                .Where(i => i.SubnetId == subnet.SubnetId && !leaving.Contains(i.CanisterId) && LatestInstructions(s, i.CanisterId) > 0)
                .OrderByDescending(i => LatestInstructions(s, i.CanisterId))
                .ThenBy(i => Locality(s, own, subnet.SubnetId, i.CanisterId))
                .ThenBy(i => i.CanisterId, StringComparer.Ordinal);
            foreach (var candidate in candidates)
            {
                var share = LatestInstructions(s, candidate.CanisterId);
                var others = s with { Subnets = s.Subnets.Where(x => x.SubnetId != subnet.SubnetId).ToList() };
                if (Choose(others, 1, share, options) is not [var to])
                    continue;
                var there = s.Subnets.First(x => x.SubnetId == to).InstructionsPerSecond;
                if ((there + share) / options.InstructionsPerSubnet <= 1)
                    return (candidate.CanisterId, subnet.SubnetId, to, utilisation);
            }
        }
        return null;
    }

    /// <summary>Calls between the service (or one of its canisters) and the other canisters on a subnet, both ways.</summary>
    private static long Locality(ServiceSignals s, HashSet<string> own, string subnet, string? only = null)
    {
        long calls = 0;
        foreach (var e in s.Calls)
        {
            var (mine, other) = own.Contains(e.Caller) ? (e.Caller, e.Callee) : own.Contains(e.Callee) ? (e.Callee, e.Caller) : (null, null);
            if (mine is null || other is null || own.Contains(other) || (only is not null && mine != only))
                continue;
            if (s.SubnetOfCanister.TryGetValue(other, out var at) && at == subnet)
                calls += e.Calls;
        }
        return calls;
    }

    private static double LatestInstructions(ServiceSignals s, string canister) =>
        s.History.TryGetValue(canister, out var points) && points.Count > 0 ? points[^1].Load.InstructionsPerSecond : 0;

    /// <summary>The instructions per second the service executes now (latest point of each canister).</summary>
    public static double ServiceInstructions(ServiceSignals s) =>
        s.Service.Instances.Sum(i => LatestInstructions(s, i.CanisterId));
}
