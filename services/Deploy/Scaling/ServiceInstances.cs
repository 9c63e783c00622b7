using Platform.Contracts;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Scaling;

/// <summary>A service's canisters: its replicas, or its shards in shard order.</summary>
public static class ServiceInstances
{
    /// <summary>Every canister of the service; a service never scaled has the one its release created (shard 0 when sharded).</summary>
    public static IReadOnlyList<ServiceInstance> Of(DeployedServiceState service) =>
        service.Instances is { Count: > 0 } instances ? instances
            : [new ServiceInstance(service.CanisterId, service.SubnetId, service.Sharding is null ? null : 0)];

    /// <summary>The service with these canisters; the first is the one <c>{{canisterId:name}}</c> names.</summary>
    public static DeployedServiceState With(DeployedServiceState service, IReadOnlyList<ServiceInstance> instances) =>
        instances.Count == 0 ? service with { Instances = [] }
            : service with { CanisterId = instances[0].CanisterId, SubnetId = instances[0].SubnetId, Instances = [.. instances] };

    /// <summary>
    /// <c>pick(name, key)</c>: the instance that serves <paramref name="key"/> (<see cref="KeyRing"/>). Replicas are
    /// ring members by canister id, shards by shard number, so a shard keeps its keys when its canister changes.
    /// </summary>
    public static ServiceInstance? Pick(IReadOnlyList<ServiceInstance> instances, string key)
    {
        var sharded = instances.Count > 0 && instances.All(i => i.Shard is not null);
        var members = instances.Select(i => sharded ? Member(i.Shard!.Value) : i.CanisterId).ToList();
        var chosen = KeyRing.Pick(key, members);
        return chosen is null ? null : instances[members.IndexOf(chosen)];
    }

    private static string Member(int shard) => shard.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
