using Platform.Contracts;
using Platform.Deploy.Environments;

namespace Platform.Deploy.Releases;

// Deploy's own events. Streams (string keys): "env:<name>" for an environment, "release:<id>" for a release.
// What other services need is mapped to the V1 contracts by the relay (Relay/DeployIntegrationEvents).

/// <summary>What a release does to one service.</summary>
public static class PlanActions
{
    public const string CreateInstall = "create+install";
    public const string Upgrade = "upgrade";
    public const string Reinstall = "reinstall";
    public const string None = "none";
    public const string Delete = "delete";
    /// <summary>Start a stopped canister (a heal of drift).</summary>
    public const string Start = "start";
}

/// <summary>One service in a plan: what runs now (Previous*) and what will.</summary>
public sealed record ServicePlan(
    string Name,
    string Action,
    string Module,
    string Selector,
    string Digest,
    string ModuleHash,
    string? Init,
    string Subnet,
    string? Cycles,
    string? Persistence,
    string? CanisterId,
    string? PreviousSelector,
    string? PreviousDigest,
    string? PreviousModuleHash,
    string? PreviousInit,
    ReplicaBounds? Replicas,
    ScalingPolicy? Scaling,
    ShardingPolicy? Sharding);

/// <summary>A service as a successful release left it.</summary>
/// <param name="CanisterId">Its first canister (the one <c>{{canisterId:name}}</c> names).</param>
/// <param name="Instances">Every canister of a scaled service (replicas, or shards in shard order); null while it has
/// only <paramref name="CanisterId"/> (see <see cref="Scaling.ServiceInstances.Of"/>).</param>
public sealed record DeployedServiceState(
    string Name,
    string CanisterId,
    string SubnetId,
    string Module,
    string Selector,
    string Digest,
    string ModuleHash,
    string? Init,
    string? Persistence,
    ReplicaBounds? Replicas,
    ScalingPolicy? Scaling,
    ShardingPolicy? Sharding,
    IReadOnlyList<ServiceInstance>? Instances = null);

public sealed record ReleasePlanned(
    Guid ReleaseId,
    string Namespace,
    string Environment,
    IReadOnlyList<ServicePlan> Services,
    IReadOnlyList<string> InstallOrder,
    bool Protected,
    ApprovalPolicy? Approvals,
    bool DeletesEnvironment,
    string PlannedBy,
    DateTimeOffset PlannedAt);

public sealed record ReleaseAwaitingApproval(Guid ReleaseId, DateTimeOffset ExpiresAt);
public sealed record ApprovalVoted(Guid ReleaseId, string Namespace, string Environment, string Approver, string Vote, string? Comment, DateTimeOffset At);
public sealed record ReleaseApproved(Guid ReleaseId, DateTimeOffset At);
public sealed record ReleaseCancelled(Guid ReleaseId, string Namespace, string Environment, string Reason, DateTimeOffset At);
public sealed record ReleaseStarted(Guid ReleaseId, DateTimeOffset At);
public sealed record ServiceCanisterCreated(Guid ReleaseId, string Service, string CanisterId, string SubnetId);
public sealed record ServiceInstalled(Guid ReleaseId, string Service, string Action, string CanisterId, string ModuleHash, DateTimeOffset At);
public sealed record ReleaseSucceeded(Guid ReleaseId, IReadOnlyList<DeployedServiceState> Services, DateTimeOffset At);
/// <summary>Nothing was changed on the engine (the failure came first).</summary>
public sealed record ReleaseFailed(Guid ReleaseId, string Reason, DateTimeOffset At);
/// <summary>Something was changed, then put back: the environment runs what it ran before.</summary>
public sealed record ReleaseRolledBack(Guid ReleaseId, string Reason, IReadOnlyList<string> RolledBack, DateTimeOffset At);

/// <summary>A file was applied (the desired state), with the release that carries it out.</summary>
public sealed record EnvironmentDeclared(string Namespace, string Environment, string File, Guid ReleaseId, bool AutoHeal);
/// <summary>A release succeeded: what the environment runs now.</summary>
public sealed record EnvironmentReleased(string Namespace, string Environment, Guid ReleaseId, IReadOnlyList<DeployedServiceState> Services);
/// <summary>A release that was not successful ended: the environment runs what it ran before.</summary>
public sealed record EnvironmentReleaseEnded(string Namespace, string Environment, Guid ReleaseId, string Status, string Reason,
    IReadOnlyList<DeployedServiceState> Services);
public sealed record EnvironmentDeleted(string Namespace, string Environment, Guid ReleaseId);
/// <summary>The engine's state differs from the last successful release.</summary>
public sealed record DriftDetected(string Namespace, string Environment, string Service, string CanisterId, string Kind, string? Expected, string? Actual, DateTimeOffset At);

public static class Streams
{
    public static string Environment(string name) => "env:" + name;
    public static string Release(Guid id) => "release:" + id.ToString("N");
}
