namespace Platform.Contracts;

// Integration contracts: what other services may rely on. They are deliberately separate from Ingest's internal
// Marten event types, so the event store's shape can change without breaking consumers. A breaking change gets
// a new versioned name (V2) next to the old one.

public sealed record UploadStartedV1(EventMetadata Meta, Guid SessionId, string Repository) : IPlatformEvent;

public sealed record UploadCompletedV1(EventMetadata Meta, Guid SessionId, string Repository, string Digest, long Size) : IPlatformEvent;

public sealed record UploadCancelledV1(EventMetadata Meta, Guid SessionId, string Repository) : IPlatformEvent;

/// <summary>Verified bytes of a blob are in the content store: Pinning adds them to IPFS.</summary>
public sealed record BlobStoredV1(EventMetadata Meta, string Digest, long Size) : IPlatformEvent;

public sealed record BlobLinkedV1(EventMetadata Meta, string Repository, string Digest, long Size, string How) : IPlatformEvent;

public sealed record BlobUnlinkedV1(EventMetadata Meta, string Repository, string Digest) : IPlatformEvent;

public sealed record ManifestPushedV1(
    EventMetadata Meta,
    string Repository,
    string Digest,
    string MediaType,
    long Size,
    string? SubjectDigest,
    string? ArtifactType,
    IReadOnlyList<string> Blobs,
    IReadOnlyList<string> Manifests) : IPlatformEvent;

public sealed record TagMovedV1(EventMetadata Meta, string Repository, string Tag, string Digest, string? PreviousDigest) : IPlatformEvent;

public sealed record TagDeletedV1(EventMetadata Meta, string Repository, string Tag, string Digest) : IPlatformEvent;

public sealed record ManifestDeletedV1(EventMetadata Meta, string Repository, string Digest, IReadOnlyList<string> RemovedTags) : IPlatformEvent;

/// <summary>
/// A blob's bytes are added and pinned on IPFS under <paramref name="Cid"/>: as they are (<paramref name="Mode"/>
/// "public", or null from a publisher older than modes) or as ciphertext ("encrypted"; <paramref name="KeyId"/> names
/// the namespace whose key wraps its data key).
/// </summary>
public sealed record BlobPinnedV1(EventMetadata Meta, string Digest, string Cid, long Size, string? Mode = null, string? KeyId = null) : IPlatformEvent;

/// <summary>
/// A blob's IPFS pin was removed because no repository links it any more. The bytes may still be in the content store
/// (garbage collection decides that) and on the node until its own GC runs; the CID stays valid for the same bytes.
/// </summary>
public sealed record BlobUnpinnedV1(EventMetadata Meta, string Digest, string Cid) : IPlatformEvent;
