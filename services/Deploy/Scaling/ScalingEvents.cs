using Platform.Contracts;

namespace Platform.Deploy.Releases;

// A Scaler decision applied as a release of its own ("scale"): the same release stream, ending the same way (the
// relay maps its plan to ReleasePlannedV1 and its end to ReleaseEndedV1, so both reach the bus and the audit log),
// but what it does is one step on one service instead of a plan per service.

/// <summary>What a scaling release does to its service.</summary>
public static class ScalingActions
{
    public const string ScaleOut = "scale-out";
    public const string ScaleIn = "scale-in";
    public const string ShardSplit = "shard-split";
    public const string Replace = "replace";
}

/// <summary>A Scaler decision as Deploy applies it.</summary>
/// <param name="From">The instance count the Scaler decided for (a decision for another count is stale).</param>
/// <param name="To">The count after it.</param>
/// <param name="Subnets">Where new instances go, one per instance (scale-out, shard split, the replacement).</param>
/// <param name="CanisterIds">The canisters that go (scale-in, the replaced one).</param>
public sealed record ScalingStep(
    Guid DecisionId,
    string Service,
    string Action,
    int From,
    int To,
    IReadOnlyList<string> Subnets,
    IReadOnlyList<string> CanisterIds,
    IReadOnlyDictionary<string, double> Signals,
    string Reason);

/// <summary>A scaling release was planned; its release id is the decision's id, so a decision is applied once.</summary>
/// <param name="Module">The service's module when it was planned (the module does not change), for the audit log.</param>
public sealed record ScalingReleasePlanned(Guid ReleaseId, string Namespace, string Environment, ScalingStep Step, string PlannedBy, DateTimeOffset PlannedAt,
    ReleaseServicePlan? Module);

/// <summary>
/// A service's canisters as discovery lists them, changed before the release ends: canisters that go leave
/// discovery before they are stopped, so nobody is sent to a canister that is going away.
/// </summary>
public sealed record DiscoveryUpdated(string Namespace, string Environment, Guid ReleaseId, string Service, IReadOnlyList<ServiceInstance> Instances);

/// <summary>A canister left the service (and discovery) but could not be stopped or deleted: it is left over on the engine.</summary>
public sealed record ReplicaNotRemoved(Guid ReleaseId, string CanisterId, string Reason);

public sealed partial class ReleaseState
{
    public const string ApplyKind = "apply";
    public const string ScaleKind = "scale";

    /// <summary>"apply" (a file applied or the environment deleted) or "scale" (a Scaler decision).</summary>
    public string Kind { get; set; } = ApplyKind;
    public ScalingStep? Scaling { get; set; }
    public List<string> NotRemoved { get; set; } = [];

    public void Apply(ScalingReleasePlanned e)
    {
        ReleaseId = e.ReleaseId;
        Namespace = e.Namespace;
        Environment = e.Environment;
        Kind = ScaleKind;
        Scaling = e.Step;
        PlannedBy = e.PlannedBy;
        Step(ReleaseStatus.Planned, e.PlannedAt);
    }

    public void Apply(ReplicaNotRemoved e) => NotRemoved.Add($"{e.CanisterId}: {e.Reason}");
}

public sealed partial class EnvironmentState
{
    public void Apply(DiscoveryUpdated e)
    {
        if (Deployed.TryGetValue(e.Service, out var service))
            Deployed[e.Service] = Scaling.ServiceInstances.With(service, e.Instances);
    }
}
