using Marten.Events.Aggregation;
using Platform.Registry.Events;

namespace Platform.Registry.ReadModels;

public enum UploadState { Open, Completed, Cancelled, Expired }

/// <summary>Where an upload session stands: what the status GET reports and where the next chunk must start.</summary>
public sealed class UploadSession
{
    public string Id { get; set; } = "";
    public Guid SessionId { get; set; }
    public string Repository { get; set; } = "";
    public long Offset { get; set; }
    public UploadState State { get; set; }
    public string? Digest { get; set; }
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The start or the last accepted chunk: a session idle longer than the upload expiry is ended by GC.</summary>
    public DateTimeOffset LastActivityAt { get; set; }
}

public sealed class UploadSessionProjection : SingleStreamProjection<UploadSession, string>
{
    public static UploadSession Create(JasperFx.Events.IEvent<UploadStarted> e) => new()
    {
        SessionId = e.Data.SessionId,
        Repository = e.Data.Repository,
        StartedAt = e.Timestamp,
        LastActivityAt = e.Timestamp,
    };

    public static UploadSession Apply(JasperFx.Events.IEvent<UploadChunkAccepted> e, UploadSession s)
    {
        s.Offset = e.Data.Offset + e.Data.Length;
        s.LastActivityAt = e.Timestamp;
        return s;
    }

    public static UploadSession Apply(UploadCompleted e, UploadSession s)
    {
        s.State = UploadState.Completed;
        s.Digest = e.Digest;
        s.Offset = e.Size;
        return s;
    }

    public static UploadSession Apply(UploadCancelled e, UploadSession s)
    {
        s.State = UploadState.Cancelled;
        return s;
    }

    public static UploadSession Apply(UploadExpired e, UploadSession s)
    {
        s.State = UploadState.Expired;
        return s;
    }
}
