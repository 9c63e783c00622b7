using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.UnitTests.Scaler;

public sealed class ScalerPolicyTests
{
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_step_in_load_scales_out_at_once_by_at_most_the_maximum_step_and_settles_near_the_target()
    {
        var h = new PolicyHarness(replicas: 2, min: 2, max: 20);
        h.Run(300, _ => 0.8);
        Assert.Empty(h.Decisions);

        var stepAt = h.Now;
        h.Run(1800, _ => 6.0);
        var first = h.Decisions[0];
        Assert.Equal(DecisionKind.ScaleOut, first.Decision.Kind);
        Assert.True(first.At - stepAt <= TimeSpan.FromSeconds(10), $"first decision after {first.At - stepAt}");
        Assert.True(first.Decision.To - first.Decision.From <= PolicyHarness.Options.MaxStep);
        Assert.True(first.Decision.Signals["utilisation"] > 0.66);
        // 6 replicas' worth at a 0.6 target: 10, give or take the band.
        Assert.InRange(h.Count, 10, 12);
        // The backlog built before the new replicas came counts as demand while it drains: an overshoot is taken
        // back at most once, long after (not within a cooldown).
        Assert.True(h.Decisions.Count(d => d.Decision.Kind == DecisionKind.ScaleIn) <= 1);
        Assert.Equal(0, h.Flaps(TimeSpan.FromSeconds(120)));
    }

    [Fact]
    public void A_ramp_only_adds_replicas_while_it_rises_and_keeps_up_with_it()
    {
        var h = new PolicyHarness(replicas: 1, min: 1, max: 30);
        h.Run(900, t => 0.3 + 6.0 * t / 900);
        Assert.NotEmpty(h.Decisions);
        Assert.All(h.Decisions, d => Assert.Equal(DecisionKind.ScaleOut, d.Decision.Kind));
        Assert.All(h.Decisions.Zip(h.Decisions.Skip(1)), p => Assert.True(p.Second.At - p.First.At >= Cooldown));
        // At the top of the ramp (6.3 replicas' worth) it has at least what the upper edge of the band needs.
        Assert.True(h.Count >= Math.Ceiling(6.0 / 0.66), $"{h.Count} replicas");
    }

    [Fact]
    public void A_spike_scales_out_and_capacity_for_it_stays_through_the_long_window_before_scaling_back_in()
    {
        var h = new PolicyHarness(replicas: 2, min: 2, max: 20);
        h.Run(900, _ => 1.0);
        h.Run(30, _ => 5.0);
        var spikeEnd = h.Now;
        Assert.Contains(h.Decisions, d => d.Decision.Kind == DecisionKind.ScaleOut);
        Assert.True(h.Count >= Math.Ceiling(5.0 / 0.66), $"{h.Count} replicas at the spike");

        // Down from the target's count to the burst's at full load (1 + a rise of 4), never below, for the long window.
        var lowest = h.Count;
        for (var t = 0; t < PolicyHarness.Options.LongWindow.TotalSeconds - 60; t += 5)
        {
            h.Run(5, _ => 1.0);
            lowest = Math.Min(lowest, h.Count);
        }
        Assert.True(lowest >= 5, $"{lowest} replicas within the long window");

        // The same spike again: no overload, since its replicas are still there.
        h.Run(30, _ => 5.0);
        Assert.True(h.Signals().History.Values.SelectMany(p => p).Where(p => p.At > h.Now - TimeSpan.FromSeconds(30)).All(p => p.Load.QueueDepth == 0));

        h.Run((int)PolicyHarness.Options.LongWindow.TotalSeconds + 300, _ => 1.0);
        var lastScaleIn = h.Decisions.Last(d => d.Decision.Kind == DecisionKind.ScaleIn);
        Assert.True(lastScaleIn.At - spikeEnd >= PolicyHarness.Options.LongWindow, $"back in {lastScaleIn.At - spikeEnd} after the spike");
        Assert.InRange(h.Count, 2, 3);
        Assert.Equal(0, h.Flaps(Cooldown));
    }

    [Fact]
    public void After_a_burst_ends_the_count_falls_to_what_carries_the_burst_without_waiting_out_the_stabilisation_window()
    {
        var h = new PolicyHarness(replicas: 2, min: 2, max: 20);
        h.Run(900, _ => 1.0);
        h.Run(30, _ => 5.0);
        var top = h.Count;
        Assert.True(top >= Math.Ceiling(5.0 / 0.66), $"{top} replicas at the spike");
        var spikeEnd = h.Now;

        // Once the scale-out's cooldown is over (well inside the stabilisation window), the peak is held at full
        // load (the burst's 5 replicas' worth, with the band's noise), not at the target.
        h.Run(90, _ => 1.0);
        var scaleIn = h.Decisions.Single(d => d.Decision.Kind == DecisionKind.ScaleIn);
        Assert.True(scaleIn.At - spikeEnd < PolicyHarness.Options.StabilisationWindow, $"scaled in {scaleIn.At - spikeEnd} after the burst");
        Assert.True(scaleIn.Decision.Signals.ContainsKey("endedBurst"));
        Assert.InRange(h.Count, 5, 6);
        Assert.True(h.Count < top);

        // The burst again: its replicas are there, nothing waits.
        h.Run(30, _ => 5.0);
        Assert.True(h.Signals().History.Values.SelectMany(p => p).Where(p => p.At > h.Now - TimeSpan.FromSeconds(30)).All(p => p.Load.QueueDepth == 0));
        Assert.Equal(0, h.Flaps(Cooldown));
    }

    [Fact]
    public void A_returning_burst_that_the_kept_replicas_carry_adds_none()
    {
        var h = new PolicyHarness(replicas: 2, min: 2, max: 20);
        h.Run(900, _ => 1.0);
        h.Run(30, _ => 5.0);
        h.Run(90, _ => 1.0);
        var kept = h.Count;
        Assert.InRange(kept, 5, 6);

        // The same burst again: above the target (0.6) on the kept replicas, but within them at full load, which is
        // what they were kept for. Nothing is added, nothing waits.
        var before = h.Decisions.Count;
        h.Run(40, _ => 5.0);
        Assert.DoesNotContain(h.Decisions.Skip(before), d => d.Decision.Kind == DecisionKind.ScaleOut);
        Assert.True(h.Signals().History.Values.SelectMany(p => p).Where(p => p.At > h.Now - TimeSpan.FromSeconds(40)).All(p => p.Load.QueueDepth == 0));

        // A bigger one than remembered is a new burst: sized at the target, as the first was.
        var scaleOut = h.RunUntil(d => d.Kind == DecisionKind.ScaleOut, 30, _ => 2.0 * kept);
        Assert.False(scaleOut.Decision.Signals.ContainsKey("returningBurst"));
        // More than the burst at full load: sized for the target.
        Assert.True(h.Count > 2.0 * kept, $"{h.Count} replicas for a burst of {2.0 * kept}");
        Assert.Equal(0, h.Flaps(Cooldown));
    }

    [Fact]
    public void A_gradual_fall_is_followed_down_without_burst_memory_and_a_scale_in_never_meets_a_rising_trend()
    {
        // From 6 to 1 over ten minutes, then back up as slowly: no burst, so the count follows the load down well
        // before the long window is over, and never scales in while the load rises again.
        var h = new PolicyHarness(replicas: 10, min: 1, max: 20);
        h.Run(300, _ => 6.0);
        h.Run(600, t => 6.0 - 5.0 * t / 600);
        Assert.InRange(h.Count, 2, 4);
        // Once the trend window shows the rise (the trough itself may still take a replica away).
        var rising = h.Now + PolicyHarness.Options.TrendWindow;
        h.Run(900, t => 1.0 + 5.0 * t / 900);
        Assert.All(h.Decisions.Where(d => d.At > rising), d => Assert.Equal(DecisionKind.ScaleOut, d.Decision.Kind));
        Assert.True(h.Count >= Math.Ceiling(6.0 / 0.66), $"{h.Count} replicas at the top");
        Assert.Equal(0, h.Flaps(Cooldown));
    }

    [Fact]
    public void Noisy_steady_load_at_the_target_causes_no_decision_at_all()
    {
        var h = new PolicyHarness(replicas: 4, min: 1, max: 20);
        h.Run(1800, _ => 2.4, noise: 0.1);
        Assert.Empty(h.Decisions);
    }

    [Fact]
    public void Very_noisy_steady_load_settles_once_and_never_flaps()
    {
        var h = new PolicyHarness(replicas: 4, min: 1, max: 20);
        h.Run(3600, _ => 2.4, noise: 0.3);
        Assert.True(h.Decisions.Count <= 2, string.Join(", ", h.Decisions.Select(d => $"{d.Decision.Kind} {d.Decision.From}->{d.Decision.To}")));
        Assert.DoesNotContain(h.Decisions, d => d.Decision.Kind == DecisionKind.ScaleIn);
        Assert.Equal(0, h.Flaps(Cooldown));
    }

    [Fact]
    public void The_count_never_leaves_min_and_max_whatever_the_load()
    {
        var hot = new PolicyHarness(replicas: 2, min: 2, max: 8);
        hot.Run(1200, _ => 50);
        Assert.Equal(8, hot.Count);
        Assert.All(hot.Decisions, d => Assert.InRange(d.Decision.To, 2, 8));

        var idle = new PolicyHarness(replicas: 6, min: 3, max: 8);
        idle.Run(2400, _ => 0);
        Assert.Equal(3, idle.Count);
        Assert.All(idle.Decisions, d => Assert.InRange(d.Decision.To, 3, 8));
    }

    [Fact]
    public void A_count_outside_the_bounds_is_brought_inside_even_during_the_cooldown()
    {
        var below = new PolicyHarness(replicas: 1, min: 3, max: 8);
        below.Apply(new Decision(DecisionKind.ScaleIn, 2, 1, [], [], new Dictionary<string, double>(), "earlier"));
        var d = ScalerPolicy.Decide(below.Signals(), below.Now, PolicyHarness.Options);
        Assert.NotNull(d);
        Assert.Equal((DecisionKind.ScaleOut, 1, 3), (d.Kind, d.From, d.To));
        Assert.Equal(2, d.Subnets.Count);

        var above = new PolicyHarness(replicas: 5, min: 1, max: 3);
        var e = ScalerPolicy.Decide(above.Signals(), above.Now, PolicyHarness.Options);
        Assert.NotNull(e);
        Assert.Equal((DecisionKind.ScaleIn, 5, 3), (e.Kind, e.From, e.To));
        Assert.Equal(2, e.CanisterIds.Count);
    }

    [Fact]
    public void A_reversal_waits_for_the_cooldown_while_a_further_scale_out_waits_only_for_the_new_replicas_to_report()
    {
        var cooldown = TimeSpan.FromSeconds(90);
        var h = new PolicyHarness(replicas: 1, min: 1, max: 50, cooldown: cooldown);
        h.Run(60, _ => 30);
        var outs = h.Decisions.Where(d => d.Decision.Kind == DecisionKind.ScaleOut).ToList();
        Assert.True(outs.Count >= 2);
        // The first step is bounded by MaxStep however far over the load is; the next doubles at most.
        Assert.True(outs[0].Decision.To <= 1 + PolicyHarness.Options.MaxStep);
        Assert.True(outs[1].Decision.To <= outs[1].Decision.From + Math.Max(PolicyHarness.Options.MaxStep, outs[1].Decision.From), $"{outs[1].Decision.From}->{outs[1].Decision.To}");
        Assert.True(outs[1].At - outs[0].At < cooldown, $"{outs[1].At - outs[0].At}");

        // Idle long enough to scale in, then above the target but within capacity: the scale-out after the scale-in
        // waits the cooldown out.
        var scaleIn = h.RunUntil(d => d.Kind == DecisionKind.ScaleIn, 3000, _ => 0.2);
        var count = h.Decisions.Count;
        h.Run(300, _ => 0.9 * h.Count);
        var next = h.Decisions.Skip(count).First();
        Assert.Equal(DecisionKind.ScaleOut, next.Decision.Kind);
        Assert.True(next.At - scaleIn.At >= cooldown, $"scaled out {next.At - scaleIn.At} after scaling in");
        Assert.Equal(0, h.Flaps(cooldown));
    }

    [Fact]
    public void A_service_over_capacity_is_scaled_out_even_within_the_cooldown_of_a_scale_in()
    {
        var h = new PolicyHarness(replicas: 6, min: 1, max: 20);
        var scaleIn = h.RunUntil(d => d.Kind == DecisionKind.ScaleIn, 3000, _ => 0.5);
        var count = h.Decisions.Count;
        h.Run(15, _ => 3.0 * h.Count);
        var next = h.Decisions.Skip(count).First();
        Assert.Equal(DecisionKind.ScaleOut, next.Decision.Kind);
        Assert.True(next.At - scaleIn.At < Cooldown);
        Assert.True(next.Decision.Signals["utilisation"] > 1);
    }

    [Fact]
    public void A_decision_Deploy_has_not_applied_holds_the_service_until_it_times_out()
    {
        var h = new PolicyHarness(replicas: 2, min: 1, max: 20);
        for (var i = 0; i < 2; i++)
        {
            h.Advance(TimeSpan.FromSeconds(5));
            foreach (var c in new[] { "canister-0", "canister-1" })
                h.Point(c, new CanisterLoad(c, 100, 1e9, 1 << 20, 400, 0, "running"));
        }
        var signals = h.Signals() with { Last = new LastDecision(h.Now - TimeSpan.FromSeconds(61), DecisionKind.ScaleOut, 5) };
        Assert.Null(ScalerPolicy.Decide(signals, h.Now, PolicyHarness.Options));
        signals = signals with { Last = new LastDecision(h.Now - PolicyHarness.Options.PendingTimeout, DecisionKind.ScaleOut, 5) };
        Assert.Equal(DecisionKind.ScaleOut, ScalerPolicy.Decide(signals, h.Now, PolicyHarness.Options)?.Kind);
    }

    [Fact]
    public void A_sharded_service_splits_under_load_and_never_merges()
    {
        var h = new PolicyHarness(replicas: 2, min: 1, max: 1, sharding: new ShardingPolicy("user", 2, 6));
        h.Run(300, _ => 5);
        Assert.All(h.Decisions, d => Assert.Equal(DecisionKind.ShardSplit, d.Decision.Kind));
        Assert.Equal(6, h.Count);
        Assert.Equal([0, 1, 2, 3, 4, 5], h.Service.Instances.Select(i => i.Shard!.Value));
        h.Run(1200, _ => 0.1);
        Assert.Equal(6, h.Count);
    }

    [Fact]
    public void A_service_without_bounds_is_never_scaled()
    {
        var h = new PolicyHarness(replicas: 2, min: 1, max: 20);
        h.Run(60, _ => 10);
        var fixedService = h.Signals() with { Service = h.Service with { Replicas = null }, Last = null };
        Assert.Null(ScalerPolicy.Decide(fixedService, h.Now, PolicyHarness.Options));
    }
}
