using Platform.Contracts;

namespace Platform.Scaler.Policy;

/// <summary>One canister's load in one sample window, with where and when it was measured.</summary>
internal sealed record LoadPoint(string SubnetId, DateTimeOffset At, double WindowSeconds, CanisterLoad Load);

/// <summary>A subnet as the latest sample showed it.</summary>
internal sealed record SubnetView(string SubnetId, string Kind, DateTimeOffset At, double InstructionsPerSecond);

/// <summary>
/// Everything the policy looks at for one decision: the service as deployed, the recent load points of its
/// canisters (oldest first), the subnets, the call graph, and the service's last decision. Built by the service
/// from its in-memory window of samples; built by hand in tests and the benchmark.
/// </summary>
internal sealed record ServiceSignals(
    string Namespace,
    string Environment,
    DeployedService Service,
    IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> History,
    IReadOnlyList<SubnetView> Subnets,
    IReadOnlyList<CallEdge> Calls,
    IReadOnlyDictionary<string, string> SubnetOfCanister,
    LastDecision? Last);

/// <summary>The service's previous decision: when, which way, the count it asked for, and what it removes.</summary>
/// <param name="TargetCount">The instance count Deploy should reach; until it does, the decision is pending.</param>
/// <param name="Removing">A scale-in's canisters: while it is pending, Deploy takes them out of discovery, stops and
/// deletes them, so they are leaving, not failing.</param>
internal sealed record LastDecision(DateTimeOffset At, DecisionKind Kind, int TargetCount, IReadOnlyList<string>? Removing = null);

internal enum DecisionKind
{
    ScaleOut,
    ScaleIn,
    ShardSplit,
    Replace,
}

/// <summary>What the policy decided, before it becomes an event (the service adds ids and metadata).</summary>
internal sealed record Decision(
    DecisionKind Kind,
    int From,
    int To,
    IReadOnlyList<string> Subnets,
    IReadOnlyList<string> CanisterIds,
    IReadOnlyDictionary<string, double> Signals,
    string Reason);
