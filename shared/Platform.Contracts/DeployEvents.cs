namespace Platform.Contracts;

// Deploy's integration events: who applied what to an environment, who voted, how each release ended, and drift
// between the engine and the last successful release. EnvironmentDeployedV1 (ScalingEvents.cs) follows every
// release that ends.

/// <summary>One service's line in a release plan.</summary>
/// <param name="Action">"create+install", "upgrade", "reinstall", "none" or "delete".</param>
public sealed record ReleaseServicePlan(string Service, string Action, string Module, string Selector, string Digest, string ModuleHash, string? PreviousModuleHash);

/// <summary>A file was applied to an environment (or the environment deleted): a release was planned. Meta.Actor applied it.</summary>
public sealed record ReleasePlannedV1(
    EventMetadata Meta,
    string Namespace,
    string Environment,
    Guid ReleaseId,
    bool Protected,
    bool DeletesEnvironment,
    IReadOnlyList<ReleaseServicePlan> Services) : IPlatformEvent;

/// <summary>An approver voted on a protected release. Meta.Actor is the approver.</summary>
/// <param name="Vote">"approve" or "reject".</param>
public sealed record ReleaseVotedV1(EventMetadata Meta, string Namespace, string Environment, Guid ReleaseId, string Vote, string? Comment) : IPlatformEvent;

/// <summary>A release ended.</summary>
/// <param name="Status">"succeeded", "failed", "rolled-back" or "cancelled" (rejected or expired).</param>
public sealed record ReleaseEndedV1(EventMetadata Meta, string Namespace, string Environment, Guid ReleaseId, string Status, string? Reason) : IPlatformEvent;

/// <summary>The engine does not run what the last successful release installed.</summary>
/// <param name="Kind">"module-changed", "stopped" or "missing".</param>
public sealed record DriftDetectedV1(
    EventMetadata Meta,
    string Namespace,
    string Environment,
    string Service,
    string CanisterId,
    string Kind,
    string? Expected,
    string? Actual) : IPlatformEvent;
