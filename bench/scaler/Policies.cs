using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.Bench.Scaler;

/// <summary>A scaling policy under test: given what the engine reported, the decision for one service, or none.</summary>
internal interface IBenchPolicy
{
    string Name { get; }
    Decision? Decide(ServiceSignals signals, DateTimeOffset now);

    /// <summary>The count each service starts with (before any decision).</summary>
    int InitialCount(double[] demand, ReplicaBounds bounds) => bounds.Min;
}

/// <summary>The Scaler's own policy, unchanged.</summary>
internal sealed class ScalerBenchPolicy(ScalerOptions options) : IBenchPolicy
{
    public string Name => "scaler";
    public Decision? Decide(ServiceSignals signals, DateTimeOffset now) => ScalerPolicy.Decide(signals, now, options);
}

/// <summary>
/// The usual naive autoscaler: one more replica when the last sample's utilisation is above 80 %, one fewer below
/// 20 %, checked at every sample, no cooldown. It places new replicas as the Scaler does (the comparison is about
/// when and how many, not where).
/// </summary>
internal sealed class NaiveThresholdPolicy(ScalerOptions options) : IBenchPolicy
{
    public string Name => "naive";

    public Decision? Decide(ServiceSignals s, DateTimeOffset now)
    {
        var n = s.Service.Instances.Count;
        var executed = s.Service.Instances.Sum(i => s.History.TryGetValue(i.CanisterId, out var p) && p.Count > 0 ? p[^1].Load.InstructionsPerSecond : 0);
        var utilisation = executed / (n * options.InstructionsPerReplica);
        var signals = new Dictionary<string, double> { ["utilisation"] = utilisation };
        var bounds = s.Service.Replicas!;
        if (utilisation > 0.8 && n < bounds.Max)
            return new Decision(DecisionKind.ScaleOut, n, n + 1, Placement.Choose(s, 1, executed / (n + 1), options), [], signals, "above 80 %");
        if (utilisation < 0.2 && n > bounds.Min)
            return new Decision(DecisionKind.ScaleIn, n, n - 1, [], Placement.ToRemove(s, 1, options), signals, "below 20 %");
        return null;
    }

}

/// <summary>A fixed allocation sized for the trace's mean demand at the services' target, spread over the subnets; never changes.</summary>
internal sealed class StaticPolicy : IBenchPolicy
{
    public string Name => "static";
    public Decision? Decide(ServiceSignals signals, DateTimeOffset now) => null;
    public int InitialCount(double[] demand, ReplicaBounds bounds) =>
        Math.Clamp((int)Math.Ceiling(demand.Average() / Simulator.Target), bounds.Min, bounds.Max);
}
