using Marten.Events.Aggregation;
using Platform.Registry.Events;

namespace Platform.Registry.ReadModels;

public enum UploadState { Open, Completed, Cancelled }

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
}

public sealed class UploadSessionProjection : SingleStreamProjection<UploadSession, string>
{
    public static UploadSession Create(JasperFx.Events.IEvent<UploadStarted> e) => new()
    {
        SessionId = e.Data.SessionId,
        Repository = e.Data.Repository,
        StartedAt = e.Timestamp,
    };

    public static UploadSession Apply(UploadChunkAccepted e, UploadSession s)
    {
        s.Offset = e.Offset + e.Length;
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
}
