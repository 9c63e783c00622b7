using Platform.Registry.ReadModels;

namespace Platform.Registry.Gc;

/// <summary>
/// What garbage collection may take, as pure decisions on the read models. <see cref="Writing.RegistryWriter"/>
/// makes them inside its writes, on the state it is about to append to, so a conflicting commit makes it re-read
/// and decide again. Every rule errs on keeping: what cannot be decided safely stays for the next run.
/// </summary>
public static class GcRules
{
    /// <summary>
    /// Blobs linked into <paramref name="repository"/> that none of its manifests references (config and layers;
    /// an index's children are manifests, and keep their own blobs) and that nobody touched since
    /// <paramref name="cutoff"/>. A link touched later may be a layer whose manifest is still on its way.
    /// </summary>
    public static IReadOnlyList<(string Digest, long Size)> UnreferencedLinks(RepositoryState? repository, DateTimeOffset cutoff)
    {
        if (repository is null || repository.Blobs.Count == 0)
            return [];
        // A repository written before the state tracked its manifests' blobs cannot tell what is referenced: it is
        // left alone until its projection is rebuilt from the events (which carry the blob lists).
        if (repository.Manifests.Keys.Any(m => !repository.ManifestBlobs.ContainsKey(m)))
            return [];
        var referenced = repository.ManifestBlobs.Values.SelectMany(b => b).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. repository.Blobs
                .Where(b => !referenced.Contains(b.Key)
                            && repository.BlobTouchedAt.TryGetValue(b.Key, out var touched) && touched < cutoff)
                .OrderBy(b => b.Key, StringComparer.Ordinal)
                .Select(b => (b.Key, b.Value)),
        ];
    }

    /// <summary>
    /// A stored blob may be deleted when no repository links it and it was neither stored again nor let go of by a
    /// repository since <paramref name="cutoff"/>: a mount or an upload that saw it linked a moment ago may still
    /// be on its way.
    /// </summary>
    public static bool BlobDeletable(BlobRecord? blob, bool linkedAnywhere, DateTimeOffset cutoff)
    {
        if (blob is null || blob.Deleted || linkedAnywhere)
            return false;
        var lastUse = Max(Max(blob.StoredAt, blob.LastStoredAt), blob.ReleasedAt);
        return lastUse < cutoff;
    }

    /// <summary>An open session with no accepted chunk (or start) since <paramref name="cutoff"/> has been abandoned.</summary>
    public static bool UploadExpired(UploadSession? session, DateTimeOffset cutoff) =>
        session is { State: UploadState.Open } && LastActivity(session) < cutoff;

    // Sessions recorded before LastActivityAt existed count from their start.
    public static DateTimeOffset LastActivity(UploadSession session) =>
        session.LastActivityAt == default ? session.StartedAt : session.LastActivityAt;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset? b) => b is { } v && v > a ? v : a;
}
