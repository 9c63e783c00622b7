using Marten.Events.Aggregation;
using Platform.Registry.Events;

namespace Platform.Registry.ReadModels;

/// <summary>
/// One repository as the OCI API sees it: its tags, its manifests and the blobs linked into it. Written inline
/// with the events, so a pull right after a push sees the push.
/// </summary>
public sealed class RepositoryState
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, ManifestSummary> Manifests { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> Blobs { get; set; } = new(StringComparer.Ordinal);
    public DateTimeOffset? LastPushAt { get; set; }

    /// <summary>
    /// The blobs (config and layers) each manifest references. <see cref="ManifestDeleted"/> carries only the
    /// digest, so garbage collection learns here which links a deletion left unreferenced.
    /// </summary>
    public Dictionary<string, List<string>> ManifestBlobs { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// When each linked blob was last touched: linked (or uploaded again), or its last referencing manifest
    /// deleted. Garbage collection unlinks an unreferenced blob only once this is older than its grace period,
    /// which is the window a client has between uploading a layer and putting the manifest that references it.
    /// </summary>
    public Dictionary<string, DateTimeOffset> BlobTouchedAt { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// When each tag last moved (to the manifest it points at now). Retention's "keep the last N tags" orders by
    /// this: a tag pushed again to the same manifest did not move, one moved to another manifest did.
    /// </summary>
    public Dictionary<string, DateTimeOffset> TagMovedAt { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The manifests each manifest references (an index's children; empty for an image) and its subject, if any.
    /// Retention keeps what a kept index references and the referrers of what it keeps, and decides that on the
    /// stream it appends to, so it needs these here rather than in the manifest documents.
    /// </summary>
    public Dictionary<string, ManifestLinks> ManifestLinks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A repository exists (for _catalog and NAME_UNKNOWN) while it holds a manifest or a blob. Stored, not
    /// computed, so _catalog can filter on it in the database.
    /// </summary>
    public bool HasContent { get; set; }

    internal RepositoryState Refresh()
    {
        HasContent = Manifests.Count > 0 || Blobs.Count > 0;
        return this;
    }

    public bool HasBlob(string digest) => Blobs.ContainsKey(digest);

    /// <summary>Whether a manifest of this repository references the blob.</summary>
    public bool IsReferenced(string digest) => ManifestBlobs.Values.Any(blobs => blobs.Contains(digest, StringComparer.Ordinal));
}

public sealed record ManifestSummary(string MediaType, long Size, DateTimeOffset PushedAt);

public sealed record ManifestLinks(IReadOnlyList<string> Manifests, string? Subject);

public sealed class RepositoryStateProjection : SingleStreamProjection<RepositoryState, string>
{
    public RepositoryStateProjection()
    {
        // Documents of deleted repositories are kept (a repository may come back); nothing to delete here.
    }

    public static RepositoryState Create(JasperFx.Events.IEvent<BlobLinked> e) => Apply(e, New(e.Data.Repository));
    public static RepositoryState Create(JasperFx.Events.IEvent<ManifestPushed> e) => Apply(e, New(e.Data.Repository));

    public static RepositoryState Apply(JasperFx.Events.IEvent<BlobLinked> e, RepositoryState r)
    {
        r.Blobs[e.Data.Digest] = e.Data.Size;
        r.BlobTouchedAt[e.Data.Digest] = e.Timestamp;
        r.LastPushAt = e.Timestamp;
        return r.Refresh();
    }

    public static RepositoryState Apply(BlobUnlinked e, RepositoryState r)
    {
        r.Blobs.Remove(e.Digest);
        r.BlobTouchedAt.Remove(e.Digest);
        return r.Refresh();
    }

    public static RepositoryState Apply(JasperFx.Events.IEvent<ManifestPushed> e, RepositoryState r)
    {
        r.Manifests[e.Data.Digest] = new ManifestSummary(e.Data.MediaType, e.Data.Content.LongLength, e.Timestamp);
        r.ManifestBlobs[e.Data.Digest] = [.. e.Data.Blobs];
        r.ManifestLinks[e.Data.Digest] = new ManifestLinks([.. e.Data.Manifests], e.Data.SubjectDigest);
        r.LastPushAt = e.Timestamp;
        return r.Refresh();
    }

    public static RepositoryState Apply(JasperFx.Events.IEvent<TagMoved> e, RepositoryState r)
    {
        r.Tags[e.Data.Tag] = e.Data.Digest;
        r.TagMovedAt[e.Data.Tag] = e.Timestamp;
        return r.Refresh();
    }

    public static RepositoryState Apply(TagDeleted e, RepositoryState r)
    {
        r.Tags.Remove(e.Tag);
        r.TagMovedAt.Remove(e.Tag);
        return r.Refresh();
    }

    public static RepositoryState Apply(JasperFx.Events.IEvent<ManifestDeleted> e, RepositoryState r)
    {
        var deleted = e.Data;
        r.Manifests.Remove(deleted.Digest);
        r.ManifestLinks.Remove(deleted.Digest);
        foreach (var tag in deleted.RemovedTags)
        {
            r.Tags.Remove(tag);
            r.TagMovedAt.Remove(tag);
        }
        // The grace period of the blobs this deletion may have left unreferenced starts now, not at their upload.
        if (r.ManifestBlobs.Remove(deleted.Digest, out var blobs))
            foreach (var blob in blobs)
                if (r.Blobs.ContainsKey(blob))
                    r.BlobTouchedAt[blob] = e.Timestamp;
        return r.Refresh();
    }

    private static RepositoryState New(string name) => new() { Name = name };
}
