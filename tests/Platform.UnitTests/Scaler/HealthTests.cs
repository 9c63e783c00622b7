using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.UnitTests.Scaler;

public sealed class HealthTests
{
    private static CanisterLoad Load(string id, double mps = 10, int queue = 0, long traps = 0, string status = "running") =>
        new(id, mps, mps * 1e7, 1 << 20, queue, traps, status);

    private static PolicyHarness Steady()
    {
        var h = new PolicyHarness(replicas: 3, min: 1, max: 10);
        h.Run(60, _ => 1.8);
        return h;
    }

    [Fact]
    public void A_replica_that_traps_on_most_calls_is_replaced_on_another_subnet_even_in_cooldown()
    {
        var h = Steady();
        h.Apply(new Decision(DecisionKind.ScaleOut, 3, 3, [], [], new Dictionary<string, double>(), "just now"));
        for (var i = 0; i < 3; i++)
        {
            h.Advance(TimeSpan.FromSeconds(5));
            h.Point("canister-1", Load("canister-1", mps: 2, traps: 9));
        }
        var d = ScalerPolicy.Decide(h.Signals(), h.Now, PolicyHarness.Options);
        Assert.NotNull(d);
        Assert.Equal(DecisionKind.Replace, d.Kind);
        Assert.Equal(["canister-1"], d.CanisterIds);
        Assert.Equal((3, 3), (d.From, d.To));
        Assert.Contains("traps", d.Reason);
        Assert.Equal(27, d.Signals["traps"]);
        Assert.Single(d.Subnets);

        // Once decided, the same canister is not replaced twice.
        Assert.Null(ScalerPolicy.Decide(h.Signals(), h.Now, PolicyHarness.Options, beingReplaced: ["canister-1"]));
    }

    [Fact]
    public void An_occasional_trap_is_not_a_reason_to_replace()
    {
        var h = Steady();
        for (var i = 0; i < 3; i++)
        {
            h.Advance(TimeSpan.FromSeconds(5));
            h.Point("canister-0", Load("canister-0", mps: 60, traps: 2));
        }
        Assert.Null(Health.Problem(h.Signals().History["canister-0"], h.Signals().Subnets, h.Now, PolicyHarness.Options));
    }

    [Fact]
    public void A_stopped_replica_is_replaced()
    {
        var h = Steady();
        h.Advance(TimeSpan.FromSeconds(5));
        h.Point("canister-2", Load("canister-2", mps: 0, status: "stopped"));
        var d = ScalerPolicy.Decide(h.Signals(), h.Now, PolicyHarness.Options);
        Assert.Equal((DecisionKind.Replace, "canister-2 stopped"), (d!.Kind, d.Reason));
    }

    [Fact]
    public void A_replica_a_pending_scale_in_removes_is_not_replaced_when_Deploy_stops_it_but_the_others_still_are()
    {
        var h = Steady();
        // Scale-in 3 -> 2 of canister-2, not applied yet: Deploy stops the canister before deleting it.
        var pending = new LastDecision(h.Now, DecisionKind.ScaleIn, 2, ["canister-2"]);
        h.Advance(TimeSpan.FromSeconds(5));
        h.Point("canister-2", Load("canister-2", mps: 0, status: "stopped"));
        Assert.Null(ScalerPolicy.Decide(h.Signals() with { Last = pending }, h.Now, PolicyHarness.Options));

        // A replica the scale-in keeps is still judged, pending or not.
        h.Point("canister-1", Load("canister-1", mps: 0, status: "stopped"));
        var d = ScalerPolicy.Decide(h.Signals() with { Last = pending }, h.Now, PolicyHarness.Options);
        Assert.Equal((DecisionKind.Replace, "canister-1 stopped"), (d!.Kind, d.Reason));

        // A scale-in that timed out no longer protects its canister: it stopped, and it is still there.
        var stale = pending with { At = h.Now - PolicyHarness.Options.PendingTimeout };
        d = ScalerPolicy.Decide(h.Signals() with { Last = stale }, h.Now, PolicyHarness.Options, beingReplaced: ["canister-1"]);
        Assert.Equal((DecisionKind.Replace, "canister-2 stopped"), (d!.Kind, d.Reason));
    }

    [Fact]
    public void A_replica_with_waiting_messages_that_runs_none_for_the_health_window_does_not_answer()
    {
        var h = Steady();
        h.Advance(TimeSpan.FromSeconds(5));
        h.Point("canister-0", Load("canister-0", mps: 0, queue: 40));
        // One silent window is a pause, not a failure.
        Assert.Null(Health.Problem(h.Signals().History["canister-0"], h.Signals().Subnets, h.Now, PolicyHarness.Options));
        for (var i = 0; i < 2; i++)
        {
            h.Advance(TimeSpan.FromSeconds(5));
            h.Point("canister-0", Load("canister-0", mps: 0, queue: 40));
        }
        Assert.Equal("does not answer", Health.Problem(h.Signals().History["canister-0"], h.Signals().Subnets, h.Now, PolicyHarness.Options));
    }

    [Fact]
    public void A_replica_its_subnet_no_longer_reports_is_gone()
    {
        var h = Steady();
        h.Advance(TimeSpan.FromSeconds(20));
        // Subnets report "now" in the harness; canister-0's last point is 20 s old.
        Assert.Equal("not reported by its subnet", Health.Problem(h.Signals().History["canister-0"], h.Signals().Subnets, h.Now, PolicyHarness.Options));
    }
}
