using Marten;
using Microsoft.Extensions.Options;
using Platform.Ingest.Retention;
using Platform.Ingest.Storage;
using Platform.Ingest.Uploads;
using Platform.Registry.Events;
using Platform.Registry.Gc;
using Platform.Registry.ReadModels;
using Platform.Registry.Writing;

namespace Platform.Ingest.Gc;

/// <summary>
/// Makes storage shrink while pushes run. A run expires abandoned upload sessions, unlinks the blobs no manifest of
/// a repository references (after the grace period), deletes the blobs no repository links (after the grace
/// period), and removes the files no record wants (left by crashes). Every decision that changes the registry is
/// re-made by <see cref="RegistryWriter"/> on the state it appends to, under its locks, so what this class reads
/// beforehand only picks candidates: a push that commits meanwhile wins. The run is recorded as an event.
/// </summary>
internal sealed partial class GarbageCollector(
    IDocumentStore store,
    RegistryWriter writer,
    ContentStore content,
    UploadLocks uploadLocks,
    UploadHashes hashes,
    RetentionRunner retention,
    IOptionsMonitor<GcOptions> options,
    ILogger<GarbageCollector> logger)
{
    // One run at a time in this process: two would only race each other for the same candidates.
    private readonly SemaphoreSlim _running = new(1, 1);

    public async Task<GarbageCollected> RunAsync(bool dryRun, string requestedBy, string? requestId, CancellationToken ct)
    {
        await _running.WaitAsync(ct);
        try
        {
            return await CollectAsync(dryRun, requestedBy, requestId, ct);
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<GarbageCollected> CollectAsync(bool dryRun, string requestedBy, string? requestId, CancellationToken ct)
    {
        var settings = options.CurrentValue;
        var startedAt = DateTimeOffset.UtcNow;
        var cutoff = startedAt - settings.GracePeriod;
        var who = WriteContext.System(RegistryWriter.GcActor, requestId);

        // Retention first: its deletions touch the blobs they leave unreferenced, so the sweeps below keep those for
        // the grace period (a mistaken rule can be undone by pushing again without uploading) and a later run
        // reclaims them.
        var retained = await retention.ApplyAsync(dryRun, requestId, ct);
        var expired = await ExpireUploadsAsync(startedAt - settings.UploadExpiry, dryRun, who, ct);
        var unlinked = await UnlinkUnreferencedAsync(cutoff, dryRun, who, ct);
        var deleted = await DeleteUnlinkedBlobsAsync(cutoff, dryRun, who, ct);
        var (orphans, truncated) = await SweepFilesAsync(cutoff, dryRun, expired, deleted, ct);

        var run = new GarbageCollected(
            Guid.NewGuid(), dryRun, requestedBy, startedAt, settings.GracePeriod, settings.UploadExpiry,
            unlinked, deleted, expired, orphans, truncated,
            deleted.Sum(b => b.Size) + expired.Sum(u => u.Bytes) + orphans.Sum(f => f.Bytes) + truncated.Sum(f => f.Bytes),
            retained);
        await writer.RecordGcRunAsync(run, WriteContext.System(requestedBy, requestId), ct);
        LogRun(run.RunId, dryRun, unlinked.Count, deleted.Count, expired.Count, orphans.Count, truncated.Count, run.BytesReclaimed,
            retained.Sum(r => r.Tags.Count), retained.Sum(r => r.Manifests.Count));
        return run;
    }

    private async Task<List<GcExpiredUpload>> ExpireUploadsAsync(DateTimeOffset cutoff, bool dryRun, WriteContext who, CancellationToken ct)
    {
        List<UploadSession> open;
        await using (var query = store.QuerySession())
            open = [.. await query.Query<UploadSession>().Where(s => s.State == UploadState.Open).ToListAsync(ct)];

        var expired = new List<GcExpiredUpload>();
        foreach (var candidate in open.Where(s => GcRules.UploadExpired(s, cutoff)))
        {
            // The session's request lock: a chunk being appended right now finishes (and is recorded) first, and
            // then the writer's check sees it and keeps the session.
            using var held = await uploadLocks.AcquireAsync(candidate.SessionId, ct);
            if (!await writer.ExpireUploadAsync(candidate.SessionId, cutoff, dryRun, who, ct))
                continue;
            long bytes;
            if (dryRun)
                bytes = content.UploadFileLength(candidate.SessionId);
            else
            {
                hashes.Forget(candidate.SessionId);
                bytes = ContentStore.DeleteFile(content.UploadPath(candidate.SessionId));
            }
            expired.Add(new GcExpiredUpload(candidate.SessionId, candidate.Repository, bytes));
        }
        return expired;
    }

    private async Task<List<GcUnlinkedBlob>> UnlinkUnreferencedAsync(DateTimeOffset cutoff, bool dryRun, WriteContext who, CancellationToken ct)
    {
        List<RepositoryState> repositories;
        await using (var query = store.QuerySession())
            repositories = [.. await query.Query<RepositoryState>().Where(r => r.HasContent).ToListAsync(ct)];

        var unlinked = new List<GcUnlinkedBlob>();
        foreach (var repository in repositories.Where(r => GcRules.UnreferencedLinks(r, cutoff).Count > 0))
            unlinked.AddRange(await writer.UnlinkUnreferencedAsync(repository.Name, cutoff, dryRun, who, ct));
        return unlinked;
    }

    private async Task<List<GcDeletedBlob>> DeleteUnlinkedBlobsAsync(DateTimeOffset cutoff, bool dryRun, WriteContext who, CancellationToken ct)
    {
        var linked = new HashSet<string>(StringComparer.Ordinal);
        List<BlobRecord> blobs;
        await using (var query = store.QuerySession())
        {
            foreach (var repository in await query.Query<RepositoryState>().Where(r => r.HasContent).ToListAsync(ct))
                linked.UnionWith(repository.Blobs.Keys);
            // Filtered here, not in SQL: records written before Deleted existed have no such field at all.
            blobs = [.. (await query.Query<BlobRecord>().ToListAsync(ct)).Where(b => !b.Deleted)];
        }

        var deleted = new List<GcDeletedBlob>();
        foreach (var blob in blobs.Where(b => GcRules.BlobDeletable(b, linked.Contains(b.Digest), cutoff)))
        {
            try
            {
                if (await writer.DeleteBlobAsync(blob.Digest, cutoff, dryRun, () => content.StageBlobDeletion(blob.Digest), who, ct) is { } gone)
                    deleted.Add(gone);
            }
            catch (IOException e)
            {
                // The file could not be moved (or removed after the commit, which the orphan sweep finishes later).
                LogBlobFailed(e, blob.Digest);
            }
        }
        return deleted;
    }

    /// <summary>
    /// Files no record wants, older than the grace period by their time: upload files of sessions that are over
    /// (or never were), blob files whose blob is not recorded as stored (a crash between promotion and commit, or
    /// after a deletion's commit), staged deletions a crash left; and the tails of open sessions' files past their
    /// recorded offset. Young files are left alone: they may belong to a request that has not committed yet.
    /// </summary>
    private async Task<(List<GcFile> Orphans, List<GcFile> Truncated)> SweepFilesAsync(DateTimeOffset cutoff, bool dryRun,
        List<GcExpiredUpload> expired, List<GcDeletedBlob> deleted, CancellationToken ct)
    {
        var orphans = new List<GcFile>();
        var truncated = new List<GcFile>();
        // In a dry run the sessions and blobs just listed still have their files: they are counted once, above.
        var counted = new HashSet<string>(StringComparer.Ordinal);
        if (dryRun)
        {
            counted.UnionWith(expired.Select(u => content.UploadPath(u.SessionId)));
            counted.UnionWith(deleted.Select(b => content.BlobPath(b.Digest)));
        }

        var uploads = content.UploadFiles().Where(f => f.ModifiedAt < cutoff && !counted.Contains(f.Path)).ToList();
        Dictionary<string, UploadSession> sessions;
        await using (var query = store.QuerySession())
            sessions = (await query.LoadManyAsync<UploadSession>(ct, [.. uploads.Where(f => f.Owner is not null).Select(f => StreamKeys.Upload(f.Owner!.Value))]))
                .ToDictionary(s => s.SessionId.ToString("N"));
        foreach (var file in uploads)
        {
            if (file.Owner is not { } sessionId)
            {
                orphans.Add(new GcFile(Relative(file.Path), dryRun ? file.Length : ContentStore.DeleteFile(file.Path)));
                continue;
            }
            using var held = await uploadLocks.AcquireAsync(sessionId, ct);
            await using var query = store.QuerySession();
            var session = await query.LoadAsync<UploadSession>(StreamKeys.Upload(sessionId), ct);
            if (session is not { State: UploadState.Open })
                orphans.Add(new GcFile(Relative(file.Path), dryRun ? file.Length : ContentStore.DeleteFile(file.Path)));
            else if (file.Length > session.Offset)
                truncated.Add(new GcFile(Relative(file.Path),
                    dryRun ? file.Length - session.Offset : content.TruncateUpload(sessionId, session.Offset)));
        }

        // One read of the live records picks the candidates; each is checked again under its digest's lock.
        HashSet<string> live;
        await using (var query = store.QuerySession())
            live = (await query.Query<BlobRecord>().ToListAsync(ct)).Where(b => !b.Deleted).Select(b => b.Digest).ToHashSet(StringComparer.Ordinal);
        foreach (var file in content.BlobFiles()
                     .Where(f => f.Owner is not null && f.ModifiedAt < cutoff && !counted.Contains(f.Path) && !live.Contains(f.Owner))
                     .ToList())
        {
            var bytes = await writer.RemoveUnrecordedBytesAsync(file.Owner!, record =>
            {
                if (record is { Deleted: false })
                    return 0;
                // Re-checked under the digest's lock: an upload may have promoted the same bytes just now.
                var info = new FileInfo(file.Path);
                if (!info.Exists || info.LastWriteTimeUtc >= cutoff.UtcDateTime)
                    return 0;
                return dryRun ? info.Length : ContentStore.DeleteFile(file.Path);
            }, ct);
            if (bytes > 0)
                orphans.Add(new GcFile(Relative(file.Path), bytes));
        }

        foreach (var file in content.TrashFiles().Where(f => f.Owner is not null && f.ModifiedAt < cutoff).ToList())
        {
            var bytes = await writer.RemoveUnrecordedBytesAsync(file.Owner!, record =>
            {
                // A deletion that was never committed: the blob is still recorded, so its bytes go back.
                if (record is { Deleted: false })
                    return dryRun || content.RestoreTrash(file.Path, file.Owner!) ? 0 : file.Length;
                return dryRun ? file.Length : ContentStore.DeleteFile(file.Path);
            }, ct);
            if (bytes > 0)
                orphans.Add(new GcFile(Relative(file.Path), bytes));
        }
        return (orphans, truncated);
    }

    private string Relative(string path) => Path.GetRelativePath(content.Root, path);

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "gc run {RunId} (dry run: {DryRun}): unlinked {Unlinked}, deleted {Deleted} blobs, expired {Expired} uploads, removed {Orphans} orphan files, cut {Truncated} uploads; {Bytes} bytes reclaimed; retention deleted {RetentionTags} tags and {RetentionManifests} manifests")]
    private partial void LogRun(Guid runId, bool dryRun, int unlinked, int deleted, int expired, int orphans, int truncated, long bytes,
        int retentionTags, int retentionManifests);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "gc could not delete blob {Digest}; the next run tries again")]
    private partial void LogBlobFailed(Exception error, string digest);
}
