namespace Platform.Registry.Events;

// One upload session is one stream: started, then chunks accepted (each only after its bytes are fsynced, so
// the recorded offset is exactly what survived), then completed or cancelled. Actor, time and request id travel
// as Marten event metadata (headers, timestamp, correlation id) on every event.

public sealed record UploadStarted(Guid SessionId, string Repository);

/// <summary>Bytes [Offset, Offset + Length) are durably on disk.</summary>
public sealed record UploadChunkAccepted(Guid SessionId, long Offset, long Length);

public sealed record UploadCompleted(Guid SessionId, string Repository, string Digest, long Size);

public sealed record UploadCancelled(Guid SessionId, string Repository);

/// <summary>
/// Garbage collection ended a session nobody had touched for the upload expiry (no chunk since, or since its
/// start); its file was deleted. Like a cancellation, but said so, for the audit log.
/// </summary>
public sealed record UploadExpired(Guid SessionId, string Repository, long Offset);
