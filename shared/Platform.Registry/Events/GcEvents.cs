namespace Platform.Registry.Events;

// One garbage-collection run is one stream ("gc:<run id>"), one event: what it decided and what that freed.
// A dry run decides the same and records only this report.

public sealed record GcUnlinkedBlob(string Repository, string Digest, long Size);

public sealed record GcDeletedBlob(string Digest, long Size);

public sealed record GcExpiredUpload(Guid SessionId, string Repository, long Bytes);

/// <summary>A file the store held with no record that wants it (left by a crash), or the tail of an upload file past its recorded offset.</summary>
public sealed record GcFile(string Path, long Bytes);

/// <summary>
/// What a namespace's retention rules took from one repository in a run (a dry run: would take): tags by "keep the
/// last N tags matching", manifests by "delete untagged manifests older than" (with the referrers that went with them).
/// </summary>
public sealed record RetentionDeletions(string Repository, IReadOnlyList<string> Tags, IReadOnlyList<string> Manifests);

public sealed record GarbageCollected(
    Guid RunId,
    bool DryRun,
    string RequestedBy,
    DateTimeOffset StartedAt,
    TimeSpan GracePeriod,
    TimeSpan UploadExpiry,
    IReadOnlyList<GcUnlinkedBlob> UnlinkedBlobs,
    IReadOnlyList<GcDeletedBlob> DeletedBlobs,
    IReadOnlyList<GcExpiredUpload> ExpiredUploads,
    IReadOnlyList<GcFile> OrphanFiles,
    IReadOnlyList<GcFile> TruncatedUploads,
    long BytesReclaimed,
    // Added with retention; runs recorded before it have none. Applied before the sweeps: the blobs of the manifests
    // it deleted were touched by the deletion, so a run after the grace period reclaims them.
    IReadOnlyList<RetentionDeletions>? Retention = null);
