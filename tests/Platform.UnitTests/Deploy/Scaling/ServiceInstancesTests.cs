using Platform.Contracts;
using Platform.Deploy.Releases;
using Platform.Deploy.Scaling;

namespace Platform.UnitTests.Deploy.Scaling;

public sealed class ServiceInstancesTests
{
    private static DeployedServiceState Service(ShardingPolicy? sharding = null, IReadOnlyList<ServiceInstance>? instances = null) =>
        new("web", "c0", "subnet-a", "shop/web", "v1", "sha256:d", "sha256:h", null, null, new ReplicaBounds(1, 8), null, sharding, instances);

    [Fact]
    public void A_service_never_scaled_has_the_canister_its_release_created()
    {
        Assert.Equal([new ServiceInstance("c0", "subnet-a", null)], ServiceInstances.Of(Service()));
        Assert.Equal([new ServiceInstance("c0", "subnet-a", 0)], ServiceInstances.Of(Service(new ShardingPolicy("k", 1, 4))));
    }

    [Fact]
    public void The_first_instance_is_the_one_placeholders_name()
    {
        var scaled = ServiceInstances.With(Service(), [new("c5", "subnet-b", null), new("c6", "subnet-c", null)]);
        Assert.Equal(("c5", "subnet-b", 2), (scaled.CanisterId, scaled.SubnetId, ServiceInstances.Of(scaled).Count));
    }

    [Fact]
    public void Pick_spreads_keys_over_replicas_as_the_key_ring_does()
    {
        ServiceInstance[] replicas = [new("c0", "a", null), new("c1", "b", null), new("c2", "c", null)];
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 3000; i++)
        {
            var key = $"customer-{i}";
            var chosen = ServiceInstances.Pick(replicas, key)!;
            Assert.Equal(KeyRing.Pick(key, ["c0", "c1", "c2"]), chosen.CanisterId);
            counts[chosen.CanisterId] = counts.GetValueOrDefault(chosen.CanisterId) + 1;
        }
        Assert.All(counts.Values, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Shards_are_ring_members_by_number_so_a_replaced_shard_keeps_its_keys()
    {
        ServiceInstance[] shards = [new("c0", "a", 0), new("c1", "b", 1)];
        ServiceInstance[] replaced = [new("c0", "a", 0), new("c9", "c", 1)];
        for (var i = 0; i < 200; i++)
        {
            var key = $"k{i}";
            Assert.Equal(ServiceInstances.Pick(shards, key)!.Shard, ServiceInstances.Pick(replaced, key)!.Shard);
            Assert.Equal(KeyRing.Pick(key, ["0", "1"]), ServiceInstances.Pick(shards, key)!.Shard!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Adding_a_shard_moves_only_the_keys_it_wins()
    {
        ServiceInstance[] two = [new("c0", "a", 0), new("c1", "b", 1)];
        ServiceInstance[] three = [.. two, new("c2", "c", 2)];
        for (var i = 0; i < 500; i++)
        {
            var after = ServiceInstances.Pick(three, $"k{i}")!;
            if (after.Shard != 2) Assert.Equal(ServiceInstances.Pick(two, $"k{i}")!.Shard, after.Shard);
        }
    }

    [Fact]
    public void No_instances_pick_nothing()
    {
        Assert.Null(ServiceInstances.Pick([], "k"));
    }
}
