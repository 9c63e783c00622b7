using Platform.Contracts;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Scaling;

/// <summary>
/// Whether a Scaler decision may be applied as it stands: inside the service's declared <c>replicas</c> or
/// <c>sharding</c> bounds, for the instance count it was decided for, naming canisters the service has and subnets
/// the engine has. Anything else is refused (and recorded as a failed release), never stretched to fit.
/// </summary>
public static class ScalingBounds
{
    /// <returns>Why the step is refused, or null when it may be applied.</returns>
    public static string? Refusal(ScalingStep step, DeployedServiceState service, IReadOnlyList<ServiceInstance> current,
        IReadOnlyCollection<string> applicationSubnets)
    {
        var n = current.Count;
        if (step.From != n)
            return $"the decision was made for {step.From} instances, but {service.Name} has {n} now";
        if (step.Subnets.FirstOrDefault(s => !applicationSubnets.Contains(s)) is { } unknown)
            return $"{unknown} is not an application subnet of the engine";
        var ids = current.Select(i => i.CanisterId).ToHashSet(StringComparer.Ordinal);
        var sharded = service.Sharding is not null;
        switch (step.Action)
        {
            case ScalingActions.ScaleOut:
                if (sharded) return $"{service.Name} is sharded: it grows by shard splits, not replicas";
                if (service.Replicas is not { } up) return $"{service.Name} declares no replicas bounds: it does not scale";
                if (step.Subnets.Count == 0 || step.To != n + step.Subnets.Count)
                    return $"a scale-out from {n} to {step.To} must name {step.To - n} subnets, not {step.Subnets.Count}";
                if (step.To > up.Max) return $"{step.To} replicas is above the declared maximum of {up.Max}";
                return null;
            case ScalingActions.ScaleIn:
                if (sharded) return $"{service.Name} is sharded: shards never merge";
                if (service.Replicas is not { } down) return $"{service.Name} declares no replicas bounds: it does not scale";
                if (step.CanisterIds.Count == 0 || step.CanisterIds.Distinct(StringComparer.Ordinal).Count() != step.CanisterIds.Count
                    || step.To != n - step.CanisterIds.Count)
                    return $"a scale-in from {n} to {step.To} must name {n - step.To} distinct canisters";
                if (step.CanisterIds.FirstOrDefault(c => !ids.Contains(c)) is { } stranger)
                    return $"{stranger} is not a replica of {service.Name}";
                if (step.To < Math.Max(1, down.Min)) return $"{step.To} replicas is below the declared minimum of {Math.Max(1, down.Min)}";
                return null;
            case ScalingActions.ShardSplit:
                if (service.Sharding is not { } shards) return $"{service.Name} is not sharded";
                if (step.Subnets.Count == 0 || step.To != n + step.Subnets.Count)
                    return $"a split from {n} to {step.To} shards must name {step.To - n} subnets, not {step.Subnets.Count}";
                if (step.To > shards.MaxShards) return $"{step.To} shards is above the declared maximum of {shards.MaxShards}";
                return null;
            case ScalingActions.Replace:
                if (step.CanisterIds.Count != 1 || step.Subnets.Count != 1 || step.To != n)
                    return "a replacement names one canister and one subnet, and keeps the count";
                if (!ids.Contains(step.CanisterIds[0]))
                    return $"{step.CanisterIds[0]} is not an instance of {service.Name} (already replaced?)";
                return null;
            default:
                return $"unknown scaling action {step.Action}";
        }
    }
}
