namespace Platform.Registry.Events;

// One garbage-collection run is one stream ("gc:<run id>"), one event: what it decided and what that freed.
// A dry run decides the same and records only this report.

public sealed record GcUnlinkedBlob(string Repository, string Digest, long Size);

public sealed record GcDeletedBlob(string Digest, long Size);

public sealed record GcExpiredUpload(Guid SessionId, string Repository, long Bytes);

/// <summary>A file the store held with no record that wants it (left by a crash), or the tail of an upload file past its recorded offset.</summary>
public sealed record GcFile(string Path, long Bytes);

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
    long BytesReclaimed);
