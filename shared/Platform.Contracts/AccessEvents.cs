namespace Platform.Contracts;

// Sent by the gateway to the audit log (AuditFeed), not from the event store: what happened at the door.
// Sequence is 0, the event id is minted by the gateway.

/// <summary>An authenticated caller was refused (403) an action on a repository or an admin API.</summary>
public sealed record AccessDeniedV1(EventMetadata Meta, string? Repository, string Action, string Method, string Path) : IPlatformEvent;

/// <summary>A token request with wrong credentials (or throttled after too many of them).</summary>
public sealed record LoginFailedV1(EventMetadata Meta, string Account, string Reason) : IPlatformEvent;

/// <summary>A manifest was served (GET, 200).</summary>
public sealed record ManifestPulledV1(EventMetadata Meta, string Repository, string Reference, string? Digest) : IPlatformEvent;
