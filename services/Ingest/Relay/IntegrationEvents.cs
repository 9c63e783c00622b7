using JasperFx.Events;
using Platform.Contracts;
using Platform.Registry.Writing;
using Platform.Registry.Events;

namespace Platform.Ingest.Relay;

/// <summary>
/// Maps the event store's internal events to the integration contracts other services consume. Internal events
/// that are nobody else's business (chunk bookkeeping, a blob's release by a repository) map to nothing.
/// </summary>
public static class IntegrationEvents
{
    public static IPlatformEvent? From(IEvent e)
    {
        var meta = Meta(e);
        return e.Data switch
        {
            UploadStarted x => new UploadStartedV1(meta, x.SessionId, x.Repository),
            UploadCompleted x => new UploadCompletedV1(meta, x.SessionId, x.Repository, x.Digest, x.Size),
            UploadCancelled x => new UploadCancelledV1(meta, x.SessionId, x.Repository),
            BlobStored x => new BlobStoredV1(meta, x.Digest, x.Size),
            BlobLinked x => new BlobLinkedV1(meta, x.Repository, x.Digest, x.Size, x.How),
            BlobUnlinked x => new BlobUnlinkedV1(meta, x.Repository, x.Digest),
            ManifestPushed x => new ManifestPushedV1(meta, x.Repository, x.Digest, x.MediaType, x.Content.LongLength,
                x.SubjectDigest, x.ArtifactType, x.Blobs, x.Manifests),
            TagMoved x => new TagMovedV1(meta, x.Repository, x.Tag, x.Digest, x.PreviousDigest),
            TagDeleted x => new TagDeletedV1(meta, x.Repository, x.Tag, x.Digest),
            ManifestDeleted x => new ManifestDeletedV1(meta, x.Repository, x.Digest, x.RemovedTags),
            BlobPinned x => new BlobPinnedV1(meta, x.Digest, x.Cid, x.Size, x.Mode ?? PinModes.Public, x.KeyId),
            BlobUnpinned x => new BlobUnpinnedV1(meta, x.Digest, x.Cid),
            BlobDeleted x => new BlobDeletedV1(meta, x.Digest, x.Size),
            CanisterVersionPushed x => new CanisterVersionPushedV1(meta, x.Repository, x.Digest, x.Branch, x.Tag, x.Commit, x.ModuleHash),
            CanisterVersionCorrupted x => new CanisterVersionCorruptedV1(meta, x.Repository, x.Digest, x.ModuleHash, x.Found),
            UploadExpired x => new UploadExpiredV1(meta, x.SessionId, x.Repository, x.Offset),
            GarbageCollected x => new GarbageCollectedV1(meta, x.RunId, x.DryRun, x.RequestedBy, x.UnlinkedBlobs.Count,
                x.DeletedBlobs.Count, x.ExpiredUploads.Count, x.OrphanFiles.Count, x.TruncatedUploads.Count, x.BytesReclaimed,
                x.Retention?.Sum(r => r.Tags.Count) ?? 0, x.Retention?.Sum(r => r.Manifests.Count) ?? 0),
            _ => null,
        };
    }

    private static EventMetadata Meta(IEvent e) => new(
        e.Id,
        e.Sequence,
        e.Timestamp,
        Header(e, EventHeaders.Actor) ?? "anonymous",
        Header(e, EventHeaders.ClientAddress),
        Header(e, EventHeaders.UserAgent),
        e.CorrelationId);

    private static string? Header(IEvent e, string name) =>
        e.Headers is { } headers && headers.TryGetValue(name, out var value) ? value?.ToString() : null;
}
