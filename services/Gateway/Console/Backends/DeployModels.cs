namespace Platform.Gateway.Console.Backends;

// What the console reads from Metadata's canister-modules API, Deploy and the Scaler, as they answer it (camelCase).

public sealed record CanisterVersion(string Digest, string ModuleHash, long Size, string Branch, string? Tag, string Commit,
    DateTimeOffset PushedAt, string PushedBy, string? Cid, string? IpfsMode, bool HasCandid, bool Corrupted, string ModuleDigest,
    string ModuleMediaType, string? Source, DateTimeOffset? Built, string? Builder);

public sealed record CanisterBranch(string Branch, CanisterVersion Latest);

public sealed record CanisterSummary(string Name, int VersionCount, DateTimeOffset LastPushAt, IReadOnlyList<CanisterBranch> Branches);

public sealed record CanisterList(IReadOnlyList<CanisterSummary> Canisters, string? Next);

public sealed record CanisterVersionList(string Name, IReadOnlyList<CanisterVersion> Versions, string? Next);

/// <summary>One version with its Candid service type (null: it has none).</summary>
public sealed record CanisterVersionDetails(CanisterVersion Version, string? Candid);

public sealed record ReleaseRef(Guid Id, string Status, DateTimeOffset? At);

public sealed record EnvironmentItem(string Name, string Namespace, int Services, bool Drift, ReleaseRef? LatestRelease, Guid? LastSuccessfulRelease);

public sealed record EnvironmentList(IReadOnlyList<EnvironmentItem> Environments);

public sealed record DesiredService(string Module, string Selector, string? Init, string? Subnet);

public sealed record ServiceInstanceView(string CanisterId, string SubnetId);

public sealed record ServiceVersion(string Module, string Selector, string Digest);

public sealed record DriftView(string Kind, string? Expected, string? Actual, DateTimeOffset DetectedAt);

public sealed record ActualService(string Name, IReadOnlyList<string> CanisterIds, IReadOnlyList<ServiceInstanceView> Instances, string ModuleHash,
    ServiceVersion Version, string Status, DriftView? Drift);

public sealed record EnvironmentService(string Name, DesiredService? Desired, ActualService? Actual, bool Drift);

public sealed record EnvironmentDetails(string Name, string Namespace, bool Deleted, Guid? LatestRelease, Guid? LastSuccessfulRelease, bool Drift,
    IReadOnlyList<EnvironmentService> Services);

public sealed record ReleaseService(string Name, string Action, string? Module, string? Selector, string? Digest, string? ModuleHash,
    string? PreviousModuleHash, string? CanisterId);

public sealed record ReleaseVote(string Approver, string Decision, string? Comment, DateTimeOffset At);

public sealed record ReleaseApprovals(int Required, IReadOnlyList<string> Approvers, DateTimeOffset? ExpiresAt, IReadOnlyList<ReleaseVote> Votes);

public sealed record ReleaseStep(string Status, DateTimeOffset At);

public sealed record ReleaseDetails(Guid Id, string Environment, string Namespace, string Status, string PlannedBy, bool DeletesEnvironment,
    IReadOnlyList<ReleaseService> Services, IReadOnlyList<string> InstallOrder, ReleaseApprovals? Approvals, IReadOnlyList<ReleaseStep> Steps,
    IReadOnlyList<string> Installed, IReadOnlyList<string> RolledBack, string? Reason)
{
    public bool AwaitingApproval => Status == "awaiting-approval";
}

public sealed record ReleaseList(string Environment, IReadOnlyList<ReleaseDetails> Releases);

public sealed record InstanceLoad(DateTimeOffset At, double MessagesPerSecond, double InstructionsPerSecond, long MemoryBytes, int QueueDepth,
    long Traps, string Status);

public sealed record ScalerInstance(string CanisterId, string SubnetId, int? Shard, InstanceLoad? Latest);

public sealed record ReplicaRange(int Min, int Max);

public sealed record LastDecision(DateTimeOffset At, string Kind, int TargetCount);

public sealed record ScalerService(string Name, ReplicaRange? Replicas, IReadOnlyList<ScalerInstance> Instances, LastDecision? LastDecision,
    IReadOnlyList<string> Replacing);

public sealed record ScalerEnvironment(string Namespace, string Environment, DateTimeOffset DeployedAt, IReadOnlyList<ScalerService> Services);

public sealed record SubnetLoad(string SubnetId, string Kind, DateTimeOffset At, double InstructionsPerSecond, double Utilisation);

public sealed record ScalerState(IReadOnlyList<ScalerEnvironment> Environments, IReadOnlyList<SubnetLoad> Subnets);

public sealed record ScalingDecision(Guid Id, string Service, string Kind, DateTimeOffset DecidedAt, int From, int To,
    IReadOnlyList<string> Subnets, IReadOnlyList<string> CanisterIds, IReadOnlyDictionary<string, double> Signals, string Reason);

public sealed record ScalingDecisions(IReadOnlyList<ScalingDecision> Decisions);

public sealed record CanisterSeries(string Service, string CanisterId, string SubnetId, int? Shard, IReadOnlyList<InstanceLoad> Points);

public sealed record CallLoad(string Caller, string Callee, long Calls);

public sealed record ScalerLoad(IReadOnlyList<CanisterSeries> Canisters, IReadOnlyList<CallLoad> Calls, IReadOnlyList<SubnetLoad> Subnets);

/// <summary>Everything the topology page draws, read at one moment: Deploy's environment and the Scaler's view of it.</summary>
public sealed record TopologyView(EnvironmentDetails Environment, ScalerState? State, ScalerLoad? Load, IReadOnlyList<ScalingDecision> Decisions,
    string? ScalerProblem);
