using Platform.Contracts;
using Platform.Deploy.Releases;
using Platform.Deploy.Scaling;

namespace Platform.UnitTests.Deploy.Scaling;

public sealed class ScalingBoundsTests
{
    private static readonly string[] Subnets = ["subnet-a", "subnet-b", "subnet-c"];

    private static DeployedServiceState Service(ReplicaBounds? replicas, ShardingPolicy? sharding = null, params ServiceInstance[] instances) =>
        new("web", instances.Length > 0 ? instances[0].CanisterId : "c0", instances.Length > 0 ? instances[0].SubnetId : "subnet-a",
            "shop/web", "v1", "sha256:digest", "sha256:hash", null, null, replicas, null, sharding, instances.Length > 0 ? instances : null);

    private static ScalingStep Step(string action, int from, int to, string[]? subnets = null, string[]? canisters = null) =>
        new(Guid.NewGuid(), "web", action, from, to, subnets ?? [], canisters ?? [], new Dictionary<string, double>(), "test");

    private static string? Refusal(ScalingStep step, DeployedServiceState service) =>
        ScalingBounds.Refusal(step, service, ServiceInstances.Of(service), Subnets);

    private static readonly ServiceInstance A = new("c0", "subnet-a", null), B = new("c1", "subnet-b", null), C = new("c2", "subnet-c", null);

    [Fact]
    public void A_scale_out_within_max_is_applied()
    {
        Assert.Null(Refusal(Step(ScalingActions.ScaleOut, 1, 3, ["subnet-b", "subnet-c"]), Service(new(1, 3))));
    }

    [Fact]
    public void A_scale_out_beyond_max_is_refused()
    {
        Assert.Contains("above the declared maximum of 3", Refusal(Step(ScalingActions.ScaleOut, 2, 4, ["subnet-b", "subnet-c"]), Service(new(1, 3), null, A, B)));
    }

    [Fact]
    public void A_service_without_bounds_does_not_scale()
    {
        Assert.Contains("declares no replicas bounds", Refusal(Step(ScalingActions.ScaleOut, 1, 2, ["subnet-b"]), Service(null)));
        Assert.Contains("declares no replicas bounds", Refusal(Step(ScalingActions.ScaleIn, 2, 1, canisters: ["c1"]), Service(null, null, A, B)));
    }

    [Fact]
    public void A_decision_made_for_another_count_is_stale()
    {
        Assert.Contains("made for 1 instances, but web has 2", Refusal(Step(ScalingActions.ScaleOut, 1, 2, ["subnet-c"]), Service(new(1, 4), null, A, B)));
    }

    [Fact]
    public void Subnets_must_be_the_engine_s_application_subnets_and_match_the_count()
    {
        Assert.Contains("not an application subnet", Refusal(Step(ScalingActions.ScaleOut, 1, 2, ["subnet-z"]), Service(new(1, 4))));
        Assert.Contains("must name 2 subnets, not 1", Refusal(Step(ScalingActions.ScaleOut, 1, 3, ["subnet-b"]), Service(new(1, 4))));
    }

    [Fact]
    public void A_scale_in_keeps_the_minimum_and_names_replicas_of_the_service()
    {
        var three = Service(new(2, 4), null, A, B, C);
        Assert.Null(Refusal(Step(ScalingActions.ScaleIn, 3, 2, canisters: ["c2"]), three));
        Assert.Contains("below the declared minimum of 2", Refusal(Step(ScalingActions.ScaleIn, 3, 1, canisters: ["c1", "c2"]), three));
        Assert.Contains("not a replica of web", Refusal(Step(ScalingActions.ScaleIn, 3, 2, canisters: ["elsewhere"]), three));
        Assert.Contains("distinct canisters", Refusal(Step(ScalingActions.ScaleIn, 3, 1, canisters: ["c1", "c1"]), three));
    }

    [Fact]
    public void Sharded_services_split_and_never_merge()
    {
        var sharded = Service(null, new ShardingPolicy("customer", 1, 3), A with { Shard = 0 }, B with { Shard = 1 });
        Assert.Null(Refusal(Step(ScalingActions.ShardSplit, 2, 3, ["subnet-c"]), sharded));
        Assert.Contains("above the declared maximum of 3", Refusal(Step(ScalingActions.ShardSplit, 2, 4, ["subnet-c", "subnet-a"]), sharded));
        Assert.Contains("grows by shard splits", Refusal(Step(ScalingActions.ScaleOut, 2, 3, ["subnet-c"]), sharded));
        Assert.Contains("shards never merge", Refusal(Step(ScalingActions.ScaleIn, 2, 1, canisters: ["c1"]), sharded));
        Assert.Contains("is not sharded", Refusal(Step(ScalingActions.ShardSplit, 1, 2, ["subnet-b"]), Service(new(1, 4))));
    }

    [Fact]
    public void A_replacement_names_one_current_instance_and_keeps_the_count()
    {
        var two = Service(new(1, 4), null, A, B);
        Assert.Null(Refusal(Step(ScalingActions.Replace, 2, 2, ["subnet-c"], ["c1"]), two));
        Assert.Contains("already replaced", Refusal(Step(ScalingActions.Replace, 2, 2, ["subnet-c"], ["gone"]), two));
        // Health replaces a service that does not scale as well.
        Assert.Null(Refusal(Step(ScalingActions.Replace, 1, 1, ["subnet-b"], ["c0"]), Service(null)));
    }

    [Fact]
    public void An_unknown_action_is_refused()
    {
        Assert.Contains("unknown scaling action", Refusal(Step("scale-sideways", 1, 1), Service(new(1, 2))));
    }
}
