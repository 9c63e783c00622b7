using Platform.Gateway.Console.Backends;
using Platform.Gateway.Console.Components.Shared;

namespace Platform.UnitTests.Console.Components;

public sealed class TopologyModelTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 1, 0, 0, TimeSpan.Zero);

    private static InstanceLoad Load(DateTimeOffset at, double messages, double instructions) => new(at, messages, instructions, 1024, 0, 0, "running");

    private static EnvironmentService Service(string name, params (string Canister, string Subnet)[] instances) => new(name, null,
        new ActualService(name, instances.Select(i => i.Canister).ToList(), instances.Select(i => new ServiceInstanceView(i.Canister, i.Subnet)).ToList(),
            "sha256:aa", new ServiceVersion("team/" + name, "main:latest", "sha256:bb"), "running", null), false);

    private static TopologyView View(ScalerLoad? load, params ScalingDecision[] decisions) => new(
        new EnvironmentDetails("dev", "team", false, null, null, false,
            [Service("counter", ("c1", "s1")), Service("frontend", ("f1", "s2"), ("f2", "s2"))]),
        null, load, decisions, null);

    [Fact]
    public void Canisters_sit_beside_their_subnets_and_only_calls_inside_the_environment_are_drawn()
    {
        var load = new ScalerLoad(
            [new CanisterSeries("counter", "c1", "s1", null, [Load(Now.AddSeconds(-2), 3, 3000)])],
            [new CallLoad("f1", "c1", 4), new CallLoad("f1", "elsewhere", 2), new CallLoad("c1", "c1", 1)],
            [new SubnetLoad("s3", "Application", Now, 0, 0), new SubnetLoad("s1", "Application", Now, 3000, 0.5), new SubnetLoad("nns", "NNS", Now, 0, 0)]);
        var model = new TopologyModel(View(load), Now);

        Assert.Equal(["counter", "frontend"], model.Services);
        Assert.Equal(["c1", "f1", "f2"], model.Canisters.Select(c => c.CanisterId));
        // The environment's subnets first, then the other application subnets; not the system ones.
        Assert.Equal(["s1", "s2", "s3"], model.Subnets.Select(s => s.SubnetId));
        Assert.Equal(0.5, model.Subnets[0].Load!.Utilisation);
        Assert.Null(model.Subnets[1].Load);
        Assert.Equal([("f1", "c1")], model.Calls.Select(c => (c.Caller, c.Callee)));
        Assert.Equal(3, model.Canisters[0].Load!.MessagesPerSecond);
        Assert.Null(model.Canisters[1].Load);
        // A service is drawn level with the middle of its canisters.
        var frontend = model.Nodes["s:frontend"];
        Assert.Equal((model.Nodes["c:f1"].Y + model.Nodes["c:f2"].Y) / 2, frontend.Y);
        Assert.StartsWith("M ", model.CallPath(model.Calls[0], 0));
    }

    [Fact]
    public void Load_is_summed_per_sample_time_and_replicas_follow_the_decisions_to_what_runs_now()
    {
        var t1 = Now.AddMinutes(-2);
        var t2 = Now.AddMinutes(-1);
        var load = new ScalerLoad(
            [
                new CanisterSeries("frontend", "f1", "s2", null, [Load(t1, 1, 100), Load(t2, 2, 200)]),
                new CanisterSeries("frontend", "f2", "s2", null, [Load(t2, 5, 500)]),
            ], [], []);
        var decision = new ScalingDecision(Guid.NewGuid(), "frontend", "scale-out", t1.AddSeconds(30), 1, 2, ["s2"], [],
            new Dictionary<string, double>(), "busy");
        var model = new TopologyModel(View(load, decision), Now);

        var instructions = model.LoadSeries(View(load, decision), l => l.InstructionsPerSecond).Single(s => s.Name == "frontend");
        Assert.Equal([(t1, 100.0), (t2, 700.0)], instructions.Points);
        Assert.Empty(model.LoadSeries(View(load, decision), l => l.InstructionsPerSecond).Single(s => s.Name == "counter").Points);

        var replicas = model.ReplicaSeries(View(load, decision)).Single(s => s.Name == "frontend");
        Assert.True(replicas.Step);
        Assert.Equal([(model.From, 1.0), (decision.DecidedAt, 2.0), (Now, 2.0)], replicas.Points);
        // No decisions: what runs, all along.
        Assert.Equal([(model.From, 1.0), (Now, 1.0)], model.ReplicaSeries(View(load, decision)).Single(s => s.Name == "counter").Points);
        Assert.Equal(t1, model.From);
    }

    [Fact]
    public void Without_any_sample_the_window_is_the_last_ten_minutes_and_never_more_than_fifteen()
    {
        Assert.Equal(Now.AddMinutes(-10), new TopologyModel(View(null), Now).From);
        var old = new ScalingDecision(Guid.NewGuid(), "frontend", "scale-in", Now.AddHours(-3), 2, 1, [], ["f2"], new Dictionary<string, double>(), "idle");
        Assert.Equal(Now.AddMinutes(-15), new TopologyModel(View(null, old), Now).From);
    }
}
