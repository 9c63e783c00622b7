namespace Platform.Contracts;

// What garbage collection did, for the services that care (Pinning drops the pin of a deleted blob) and the audit log.

/// <summary>
/// A blob's bytes were removed from the content store: no repository had linked it for the grace period. Pinning
/// makes sure it is unpinned. The same bytes uploaded again come back as <see cref="BlobStoredV1"/>.
/// </summary>
public sealed record BlobDeletedV1(EventMetadata Meta, string Digest, long Size) : IPlatformEvent;

/// <summary>An upload session nobody touched for the upload expiry was ended and its file deleted.</summary>
public sealed record UploadExpiredV1(EventMetadata Meta, Guid SessionId, string Repository, long Bytes) : IPlatformEvent;

/// <summary>
/// One garbage-collection run: what it unlinked, deleted and expired, and the bytes that freed (a dry run: what it
/// would have). <see cref="RequestedBy"/> is the admin who asked, or the schedule.
/// </summary>
public sealed record GarbageCollectedV1(
    EventMetadata Meta,
    Guid RunId,
    bool DryRun,
    string RequestedBy,
    int UnlinkedBlobs,
    int DeletedBlobs,
    int ExpiredUploads,
    int OrphanFiles,
    int TruncatedUploads,
    long BytesReclaimed,
    // What the namespaces' retention rules deleted in the run (the deletions themselves are TagDeletedV1 and
    // ManifestDeletedV1 by system:retention). Defaulted: messages from before retention have none.
    int RetentionTags = 0,
    int RetentionManifests = 0) : IPlatformEvent;
