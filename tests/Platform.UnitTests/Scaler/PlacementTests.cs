using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.UnitTests.Scaler;

public sealed class PlacementTests
{
    private static readonly ScalerOptions Options = new() { InstructionsPerSubnet = 4e9 };
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static ServiceSignals Signals(IReadOnlyList<ServiceInstance> instances, (string Id, double Load, string Kind)[] subnets,
        IReadOnlyList<CallEdge>? calls = null, IReadOnlyDictionary<string, string>? others = null)
    {
        var where = instances.ToDictionary(i => i.CanisterId, i => i.SubnetId);
        foreach (var (canister, subnet) in others ?? new Dictionary<string, string>())
            where[canister] = subnet;
        return new ServiceSignals("team", "prod",
            new DeployedService("api", "sha256:m", "sha256:w", instances, new ReplicaBounds(1, 10), null, null),
            new Dictionary<string, IReadOnlyList<LoadPoint>>(),
            subnets.Select(s => new SubnetView(s.Id, s.Kind, Now, s.Load)).ToList(),
            calls ?? [], where, null);
    }

    [Fact]
    public void A_new_replica_goes_to_the_least_loaded_application_subnet()
    {
        var s = Signals([new("c1", "a", null)], [("a", 3e9, "Application"), ("b", 1e9, "Application"), ("c", 2e9, "Application"), ("nns", 0, "NNS")]);
        Assert.Equal(["b"], Placement.Choose(s, 1, 5e8, Options));
    }

    [Fact]
    public void Several_replicas_spread_as_each_one_adds_its_share_to_its_subnet()
    {
        var s = Signals([new("c1", "a", null)], [("a", 3.5e9, "Application"), ("b", 0, "Application"), ("c", 0, "Application")]);
        var chosen = Placement.Choose(s, 4, 1e9, Options);
        Assert.Equal(2, chosen.Count(x => x == "b"));
        Assert.Equal(2, chosen.Count(x => x == "c"));
    }

    [Fact]
    public void The_call_graph_decides_between_subnets_equal_on_load_callers_and_callees_alike()
    {
        var instances = new ServiceInstance[] { new("api-1", "a", null) };
        var others = new Dictionary<string, string> { ["db"] = "c", ["frontend"] = "b" };
        var subnets = new[] { ("a", 2e9, "Application"), ("b", 1e9, "Application"), ("c", 1.2e9, "Application") };

        var callee = Signals(instances, subnets, [new CallEdge("api-1", "db", 500), new CallEdge("frontend", "api-1", 100)], others);
        Assert.Equal(["c"], Placement.Choose(callee, 1, 2e8, Options));

        var caller = Signals(instances, subnets, [new CallEdge("api-1", "db", 100), new CallEdge("frontend", "api-1", 500)], others);
        Assert.Equal(["b"], Placement.Choose(caller, 1, 2e8, Options));
    }

    [Fact]
    public void Load_comes_before_the_call_graph_and_a_full_subnet_is_never_chosen_while_another_fits()
    {
        var instances = new ServiceInstance[] { new("api-1", "a", null) };
        var others = new Dictionary<string, string> { ["db"] = "c" };
        var s = Signals(instances, [("a", 2e9, "Application"), ("b", 1e9, "Application"), ("c", 3.8e9, "Application")],
            [new CallEdge("api-1", "db", 10_000)], others);
        Assert.Equal(["b"], Placement.Choose(s, 1, 5e8, Options));
    }

    [Fact]
    public void A_scale_in_removes_replicas_from_the_busiest_subnet()
    {
        var instances = new ServiceInstance[] { new("r1", "a", null), new("r2", "b", null), new("r3", "c", null) };
        var s = Signals(instances, [("a", 1e9, "Application"), ("b", 3.5e9, "Application"), ("c", 2e9, "Application")]);
        Assert.Equal(["r2", "r3"], Placement.ToRemove(s, 2, Options));
    }

    private static ServiceSignals WithLoad(ServiceSignals s, params (string Canister, double Instructions)[] loads) => s with
    {
        History = loads.ToDictionary(l => l.Canister, l => (IReadOnlyList<LoadPoint>)[new LoadPoint(s.SubnetOfCanister[l.Canister], Now, 5,
            new CanisterLoad(l.Canister, l.Instructions / 1e7, l.Instructions, 1 << 20, 0, 0, "running"))]),
    };

    [Fact]
    public void Rebalancing_moves_the_instance_that_relieves_an_over_capacity_subnet_most_to_one_that_takes_it()
    {
        var instances = new ServiceInstance[] { new("r1", "a", null), new("r2", "a", null), new("r3", "b", null) };
        var s = WithLoad(Signals(instances, [("a", 4.6e9, "Application"), ("b", 1e9, "Application"), ("c", 2e9, "Application")]),
            ("r1", 5e8), ("r2", 9e8), ("r3", 1e9));
        var move = Placement.Rebalance(s, Options);
        Assert.NotNull(move);
        Assert.Equal(("r2", "a", "b"), (move.Value.CanisterId, move.Value.From, move.Value.To));
        Assert.Equal(1.15, move.Value.Utilisation, 3);

        // As a decision: a replacement that keeps the count, even within the cooldown.
        var d = ScalerPolicy.Decide(s with { Last = new LastDecision(Now, DecisionKind.ScaleOut, 3) }, Now, Options);
        Assert.NotNull(d);
        Assert.Equal((DecisionKind.Replace, 3, 3), (d.Kind, d.From, d.To));
        Assert.Equal(["r2"], d.CanisterIds);
        Assert.Equal(["b"], d.Subnets);
        Assert.Equal(1.15, d.Signals["subnetUtilisation"], 3);

        // Once it is being replaced its load counts as gone: a subnet back within capacity moves nothing more.
        Assert.Null(Placement.Rebalance(s, Options, beingReplaced: ["r2"]));
    }

    [Fact]
    public void Rebalancing_breaks_ties_by_the_call_graph_keeping_the_instance_that_calls_its_subnet()
    {
        var instances = new ServiceInstance[] { new("r1", "a", null), new("r2", "a", null) };
        var others = new Dictionary<string, string> { ["db"] = "a" };
        var s = WithLoad(Signals(instances, [("a", 4.4e9, "Application"), ("b", 1e9, "Application")],
            [new CallEdge("r1", "db", 900), new CallEdge("r2", "db", 10)], others), ("r1", 6e8), ("r2", 6e8));
        Assert.Equal("r2", Placement.Rebalance(s, Options)?.CanisterId);
    }

    [Fact]
    public void Rebalancing_moves_nothing_healthy_while_every_subnet_is_within_capacity_however_uneven()
    {
        var instances = new ServiceInstance[] { new("r1", "a", null), new("r2", "a", null), new("r3", "a", null) };
        var s = WithLoad(Signals(instances, [("a", 3.9e9, "Application"), ("b", 0, "Application"), ("c", 0, "Application")]),
            ("r1", 1e9), ("r2", 1e9), ("r3", 1e9));
        Assert.Null(Placement.Rebalance(s, Options));
        Assert.NotEqual(DecisionKind.Replace, ScalerPolicy.Decide(s, Now, Options)?.Kind);
    }

    [Fact]
    public void Rebalancing_does_not_move_an_instance_where_it_would_overload_another_subnet()
    {
        var instances = new ServiceInstance[] { new("r1", "a", null) };
        var s = WithLoad(Signals(instances, [("a", 4.5e9, "Application"), ("b", 3.5e9, "Application")]), ("r1", 1e9));
        Assert.Null(Placement.Rebalance(s, Options));
    }
}
