using JasperFx.Events;
using Marten;
using Platform.Hosting.Concurrency;
using Platform.Registry.Events;
using Platform.Registry.Gc;
using Platform.Registry.ReadModels;

namespace Platform.Registry.Writing;

/// <summary>What a manifest write found wrong in the repository, if anything.</summary>
public sealed record ManifestRefusal(string Message, string Digest);

/// <summary>
/// A blob file moved out of its content address while garbage collection commits the blob's deletion:
/// <see cref="Complete"/> removes it for good once the commit succeeded; disposing without it puts it back.
/// </summary>
public interface IStagedFileDeletion : IDisposable
{
    void Complete();
}

/// <summary>
/// The one writer of the registry's streams: upload sessions, repositories and blobs. Every append goes through
/// here, with the per-stream lock, the optimistic-concurrency retry and the actor metadata, so the rules of a stream
/// (a blob is linked once, a tag moves only when it changes, a pin is recorded once) live in one place. Ingest's
/// HTTP handlers and Pinning's consumer call it; read models are projected inline in the same transaction, so a read
/// right after a write sees it.
/// </summary>
public sealed class RegistryWriter(IDocumentStore store)
{
    // Serialises this process's writes to one repository stream. Optimistic concurrency would make the losers of a
    // race retry anyway, but every lost race rolls back a transaction and leaves a gap in the event sequence, and
    // the relay waits on each gap before it can be sure no commit is missing. Layers of one image arrive together,
    // so without this a burst of pushes is a burst of gaps. Across processes optimistic concurrency is the guard.
    private readonly KeyedLock<string> _repositories = new(StringComparer.Ordinal);

    // Serialises, per digest, everything that decides whether a blob's bytes exist: an upload's promotion of its
    // file and its commit, a mount's link, and garbage collection's check, commit and file deletion. Taken before
    // a repository lock, never after one (garbage collection's link sweep holds only the repository lock).
    // Across processes the blob stream's version is the guard: every upload completion appends to it.
    private readonly KeyedLock<string> _digests = new(StringComparer.Ordinal);

    public const string GcActor = "system:gc";

    /// <summary>The actor of the tag and manifest deletions a namespace's retention rules make.</summary>
    public const string RetentionActor = "system:retention";

    public async Task StartUploadAsync(Guid sessionId, string repository, WriteContext who, CancellationToken ct)
    {
        await using var session = Open(who);
        session.Events.StartStream(StreamKeys.Upload(sessionId), new UploadStarted(sessionId, repository));
        await session.SaveChangesAsync(ct);
    }

    /// <summary>Records bytes [offset, offset + length) of an upload as durably written (call after the fsync).</summary>
    public async Task AcceptChunkAsync(Guid sessionId, long offset, long length, WriteContext who, CancellationToken ct)
    {
        await using var session = Open(who);
        session.Events.Append(StreamKeys.Upload(sessionId), new UploadChunkAccepted(sessionId, offset, length));
        await session.SaveChangesAsync(ct);
    }

    public async Task CancelUploadAsync(Guid sessionId, string repository, WriteContext who, CancellationToken ct)
    {
        await using var session = Open(who);
        session.Events.Append(StreamKeys.Upload(sessionId), new UploadCancelled(sessionId, repository));
        await session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Completes an upload whose bytes are verified: <paramref name="promote"/> moves them to their content address
    /// (it must be idempotent: it runs again when the commit is retried), then the session ends, the blob is stored
    /// (again: an upload of bytes garbage collection deleted revives them) and linked into the repository, all in
    /// one transaction, under the digest's lock. <paramref name="lastChunk"/> is a final chunk written with the
    /// completing request (a monolithic upload is one).
    /// </summary>
    public async Task CompleteUploadAsync(string repository, Guid sessionId, string digest, long size, Action promote,
        WriteContext who, CancellationToken ct, (long Offset, long Length)? lastChunk = null)
    {
        using var held = await _digests.AcquireAsync(digest, ct);
        await WriteRepositoryAsync(repository, who, async (session, repo) =>
        {
            // Pins the blob stream's version before the file is in place: garbage collection in another process
            // that commits a deletion meanwhile makes this commit fail, and the retry promotes again (or finds the
            // bytes gone and fails the request rather than recording a blob without bytes).
            var blob = await session.Events.FetchForWriting<BlobRecord>(StreamKeys.Blob(digest), ct);
            promote();
            var uploadKey = StreamKeys.Upload(sessionId);
            if (lastChunk is { } c)
                session.Events.Append(uploadKey, new UploadChunkAccepted(sessionId, c.Offset, c.Length));
            session.Events.Append(uploadKey, new UploadCompleted(sessionId, repository, digest, size));
            blob.AppendOne(new BlobStored(digest, size));
            Link(repo, repository, digest, size, "upload", refreshUnreferenced: true);
            return true;
        }, ct);
    }

    /// <summary>
    /// Links stored bytes into a repository (a cross-repository mount); false when the blob is unknown or was
    /// deleted by garbage collection (the client then uploads it, as the spec's mount fallback says).
    /// </summary>
    public async Task<bool> LinkBlobAsync(string repository, string digest, long size, string how, WriteContext who, CancellationToken ct)
    {
        using var held = await _digests.AcquireAsync(digest, ct);
        return await WriteRepositoryAsync(repository, who, async (session, repo) =>
        {
            if (await session.LoadAsync<BlobRecord>(StreamKeys.Blob(digest), ct) is not { Deleted: false })
                return false;
            Link(repo, repository, digest, size, how, refreshUnreferenced: false);
            return true;
        }, ct);
    }

    /// <summary>Unlinks a blob from one repository; false if it was not linked there. The bytes stay (other links, GC).</summary>
    public Task<bool> UnlinkBlobAsync(string repository, string digest, WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync(repository, who, (session, repo) =>
        {
            if (repo.Aggregate?.HasBlob(digest) != true)
                return Task.FromResult(false);
            Unlink(session, repo, repository, digest);
            return Task.FromResult(true);
        }, ct);

    /// <summary>
    /// Garbage collection's link sweep of one repository: unlinks the blobs none of its manifests references and
    /// nobody touched since <paramref name="cutoff"/> (<see cref="GcRules.UnreferencedLinks"/>). Decided on the
    /// stream it appends to, so a manifest put or a link committed meanwhile makes the retry decide again. A dry
    /// run decides the same and writes nothing.
    /// </summary>
    public Task<IReadOnlyList<GcUnlinkedBlob>> UnlinkUnreferencedAsync(string repository, DateTimeOffset cutoff, bool dryRun,
        WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync<IReadOnlyList<GcUnlinkedBlob>>(repository, who, (session, repo) =>
        {
            var doomed = GcRules.UnreferencedLinks(repo.Aggregate, cutoff);
            if (!dryRun)
                foreach (var (digest, _) in doomed)
                    Unlink(session, repo, repository, digest);
            return Task.FromResult<IReadOnlyList<GcUnlinkedBlob>>([.. doomed.Select(d => new GcUnlinkedBlob(repository, d.Digest, d.Size))]);
        }, ct);

    /// <summary>
    /// Garbage collection's blob sweep of one digest: when <see cref="GcRules.BlobDeletable"/> (no repository links
    /// it, unused since <paramref name="cutoff"/>), records <see cref="BlobDeleted"/> and removes the file. Under
    /// the digest's lock, so no upload or mount of the same bytes runs in between; the file is moved away before
    /// the commit (<paramref name="stageFile"/>) and back if the commit fails, so an upload in another process that
    /// promoted the same bytes meanwhile either conflicts on the stream version or finds its bytes gone.
    /// Null when the blob stays.
    /// </summary>
    public async Task<GcDeletedBlob?> DeleteBlobAsync(string digest, DateTimeOffset cutoff, bool dryRun,
        Func<IStagedFileDeletion> stageFile, WriteContext who, CancellationToken ct)
    {
        using var held = await _digests.AcquireAsync(digest, ct);
        return await ConcurrencyRetry.RunAsync(async () =>
        {
            await using var session = Open(who);
            var blob = await session.Events.FetchForWriting<BlobRecord>(StreamKeys.Blob(digest), ct);
            if (blob.Aggregate is not { } record)
                return null;
            var linked = await session.Query<RepositoryState>().AnyAsync(r => r.Blobs.ContainsKey(digest), ct);
            if (!GcRules.BlobDeletable(record, linked, cutoff))
                return null;
            var deleted = new GcDeletedBlob(digest, record.Size);
            if (dryRun)
                return deleted;
            using var staged = stageFile();
            blob.AppendOne(new BlobDeleted(digest, record.Size));
            await session.SaveChangesAsync(ct);
            staged.Complete();
            return deleted;
        }, ct);
    }

    /// <summary>
    /// Runs <paramref name="removeFile"/> (which deletes a file of the digest's bytes and returns what it freed) under
    /// the digest's lock, only when no live record wants those bytes: a blob file left by a crash between its
    /// promotion and the commit, or a deletion garbage collection staged and never finished. Nothing is written;
    /// the lock is what keeps an upload of the same bytes from promoting them in between.
    /// </summary>
    public async Task<long> RemoveUnrecordedBytesAsync(string digest, Func<BlobRecord?, long> removeFile, CancellationToken ct)
    {
        using var held = await _digests.AcquireAsync(digest, ct);
        await using var query = store.QuerySession();
        var record = await query.LoadAsync<BlobRecord>(StreamKeys.Blob(digest), ct);
        return removeFile(record);
    }

    /// <summary>
    /// Ends an open upload session nobody touched since <paramref name="cutoff"/> (<see cref="GcRules.UploadExpired"/>).
    /// Decided on the session's stream version: a chunk accepted meanwhile makes the retry keep it. The caller
    /// holds the session's request lock and deletes the file afterwards.
    /// </summary>
    public Task<bool> ExpireUploadAsync(Guid sessionId, DateTimeOffset cutoff, bool dryRun, WriteContext who, CancellationToken ct) =>
        ConcurrencyRetry.RunAsync(async () =>
        {
            await using var session = Open(who);
            var upload = await session.Events.FetchForWriting<UploadSession>(StreamKeys.Upload(sessionId), ct);
            if (upload.Aggregate is not { } state || !GcRules.UploadExpired(state, cutoff))
                return false;
            if (dryRun)
                return true;
            upload.AppendOne(new UploadExpired(sessionId, state.Repository, state.Offset));
            await session.SaveChangesAsync(ct);
            return true;
        }, ct);

    /// <summary>
    /// Applies retention to one repository: <paramref name="decide"/> picks, on the state this appends to, the tags
    /// and then the manifests to delete (a pure rule evaluation), and each becomes a <see cref="TagDeleted"/> or
    /// <see cref="ManifestDeleted"/>. A push committed meanwhile makes the commit conflict and the retry decide again
    /// on the new state, so a tag moved or a manifest tagged a moment ago is never taken on an old picture. A dry
    /// run decides the same and writes nothing.
    /// </summary>
    public Task<RetentionDeletions> ApplyRetentionAsync(string repository,
        Func<RepositoryState, (IReadOnlyList<string> Tags, IReadOnlyList<string> Manifests)> decide, bool dryRun,
        WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync(repository, who, (_, repo) =>
        {
            if (repo.Aggregate is not { } state)
                return Task.FromResult(new RetentionDeletions(repository, [], []));
            var (tags, manifests) = decide(state);
            if (!dryRun)
            {
                var remaining = new Dictionary<string, string>(state.Tags, StringComparer.Ordinal);
                foreach (var tag in tags)
                    if (remaining.Remove(tag, out var digest))
                        repo.AppendOne(new TagDeleted(repository, tag, digest));
                foreach (var manifest in manifests.Where(state.Manifests.ContainsKey))
                {
                    var removed = remaining.Where(t => t.Value == manifest).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();
                    foreach (var tag in removed)
                        remaining.Remove(tag);
                    repo.AppendOne(new ManifestDeleted(repository, manifest, removed));
                }
            }
            return Task.FromResult(new RetentionDeletions(repository, tags, manifests));
        }, ct);

    /// <summary>Records one garbage-collection run (its own stream), dry runs included.</summary>
    public async Task RecordGcRunAsync(GarbageCollected run, WriteContext who, CancellationToken ct)
    {
        await using var session = Open(who);
        session.Events.StartStream(StreamKeys.GcRun(run.RunId), run);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Records a validated manifest (once per repository) and moves <paramref name="tag"/> to it when it pointed
    /// elsewhere. Refused, with nothing written, when the repository lacks a blob or manifest it references.
    /// </summary>
    public Task<ManifestRefusal?> PutManifestAsync(ManifestPushed manifest, string? tag, WriteContext who, CancellationToken ct) =>
        PutManifestAsync(manifest, tag is null ? [] : [tag], null, who, ct);

    /// <summary>
    /// The same for several tags at once (a canister version's generated ones), with the canister version the
    /// manifest describes, appended right after the manifest when the repository did not hold it yet.
    /// </summary>
    public Task<ManifestRefusal?> PutManifestAsync(ManifestPushed manifest, IReadOnlyList<string> tags, CanisterVersionPushed? canister,
        WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync(manifest.Repository, who, (_, repo) =>
        {
            var state = repo.Aggregate;
            if (manifest.Blobs.FirstOrDefault(b => state?.HasBlob(b) != true) is { } missingBlob)
                return Task.FromResult<ManifestRefusal?>(new("the manifest references a blob unknown to this repository", missingBlob));
            if (manifest.Manifests.FirstOrDefault(m => state?.Manifests.ContainsKey(m) != true) is { } missingManifest)
                return Task.FromResult<ManifestRefusal?>(new("the index references a manifest unknown to this repository", missingManifest));

            if (state?.Manifests.ContainsKey(manifest.Digest) != true)
            {
                repo.AppendOne(manifest);
                if (canister is not null)
                    repo.AppendOne(canister);
            }
            foreach (var tag in tags.Distinct(StringComparer.Ordinal))
            {
                var previous = state?.Tags.GetValueOrDefault(tag);
                if (previous != manifest.Digest)
                    repo.AppendOne(new TagMoved(manifest.Repository, tag, manifest.Digest, previous));
            }
            return Task.FromResult<ManifestRefusal?>(null);
        }, ct);

    /// <summary>
    /// Marks a canister version's stored module as corrupted (its bytes no longer hash to its module hash); false when
    /// the version is unknown, gone, or already marked.
    /// </summary>
    public Task<bool> RecordCanisterCorruptedAsync(string repository, string digest, string found, WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync(repository, who, async (session, repo) =>
        {
            if (repo.Aggregate?.Manifests.ContainsKey(digest) != true
                || await session.LoadAsync<CanisterModule>(repository, ct) is not { } module
                || !module.Versions.TryGetValue(digest, out var version) || version.Corrupted)
                return false;
            repo.AppendOne(new CanisterVersionCorrupted(repository, digest, version.ModuleHash, found));
            return true;
        }, ct);

    /// <summary>Deletes a manifest and the tags that point at it; false if the repository does not have it.</summary>
    public Task<bool> DeleteManifestAsync(string repository, string digest, WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync(repository, who, (_, repo) =>
        {
            var state = repo.Aggregate;
            if (state?.Manifests.ContainsKey(digest) != true)
                return Task.FromResult(false);
            var tags = state.Tags.Where(t => t.Value == digest).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();
            repo.AppendOne(new ManifestDeleted(repository, digest, tags));
            return Task.FromResult(true);
        }, ct);

    /// <summary>Deletes a tag (the manifest stays); false if the repository has no such tag.</summary>
    public Task<bool> DeleteTagAsync(string repository, string tag, WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync(repository, who, (_, repo) =>
        {
            if (repo.Aggregate?.Tags.TryGetValue(tag, out var digest) != true)
                return Task.FromResult(false);
            repo.AppendOne(new TagDeleted(repository, tag, digest!));
            return Task.FromResult(true);
        }, ct);

    /// <summary>
    /// Records that a blob is pinned on IPFS as <paramref name="cid"/>, in <paramref name="mode"/> (<see cref="PinModes"/>),
    /// its data key wrapped by <paramref name="keyId"/>'s key when encrypted; nothing if exactly that is already recorded.
    /// </summary>
    public Task RecordPinnedAsync(string digest, string cid, long size, string mode, string? keyId, WriteContext who, CancellationToken ct) =>
        WriteBlobAsync(digest, who, b => b is { Pinned: true } && b.Cid == cid && (b.IpfsMode ?? PinModes.Public) == mode
            ? null
            : new BlobPinned(digest, cid, size, mode, keyId), ct);

    /// <summary>Records that a blob's IPFS pin was removed; nothing if it is not recorded as pinned.</summary>
    public Task RecordUnpinnedAsync(string digest, string cid, WriteContext who, CancellationToken ct) =>
        WriteBlobAsync(digest, who, b => b is not { Pinned: true } ? null : new BlobUnpinned(digest, cid), ct);

    /// <summary>Records that a manifest is pinned on IPFS as <paramref name="cid"/> in <paramref name="mode"/>; nothing if exactly that is recorded.</summary>
    public Task RecordManifestPinnedAsync(string digest, string cid, long size, string mode, string? keyId, WriteContext who, CancellationToken ct) =>
        WriteStreamAsync<ManifestPin>(StreamKeys.ManifestPin(digest), who, m => m is { Pinned: true } && m.Cid == cid && m.IpfsMode == mode
            ? null
            : new ManifestPinned(digest, cid, size, mode, keyId), ct);

    /// <summary>Records that a manifest's IPFS pin was removed; nothing if it is not recorded as pinned.</summary>
    public Task RecordManifestUnpinnedAsync(string digest, string cid, WriteContext who, CancellationToken ct) =>
        WriteStreamAsync<ManifestPin>(StreamKeys.ManifestPin(digest), who, m => m is not { Pinned: true } ? null : new ManifestUnpinned(digest, cid), ct);

    private async Task<T> WriteRepositoryAsync<T>(string repository, WriteContext who,
        Func<IDocumentSession, IEventStream<RepositoryState>, Task<T>> decide, CancellationToken ct)
    {
        using var held = await _repositories.AcquireAsync(repository, ct);
        return await ConcurrencyRetry.RunAsync(async () =>
        {
            await using var session = Open(who);
            // FetchForWriting pins the stream's version: a concurrent writer of the same repository makes one of the
            // two commits fail, and the retry re-reads and decides again.
            var repo = await session.Events.FetchForWriting<RepositoryState>(StreamKeys.Repository(repository), ct);
            var outcome = await decide(session, repo);
            await session.SaveChangesAsync(ct);
            return outcome;
        }, ct);
    }

    private Task WriteBlobAsync(string digest, WriteContext who, Func<BlobRecord?, object?> decide, CancellationToken ct) =>
        WriteStreamAsync(StreamKeys.Blob(digest), who, decide, ct);

    private Task WriteStreamAsync<T>(string key, WriteContext who, Func<T?, object?> decide, CancellationToken ct) where T : class =>
        ConcurrencyRetry.RunAsync(async () =>
        {
            await using var session = Open(who);
            var stream = await session.Events.FetchForWriting<T>(key, ct);
            if (decide(stream.Aggregate) is not { } @event)
                return false;
            stream.AppendOne(@event);
            await session.SaveChangesAsync(ct);
            return true;
        }, ct);

    // An upload of a blob that is linked but referenced by no manifest links it again: that is the touch that
    // restarts its grace period, or garbage collection could unlink a layer between its upload and the manifest
    // that references it. Links that a manifest references are safe and stay as they are.
    private static void Link(IEventStream<RepositoryState> repo, string repository, string digest, long size, string how,
        bool refreshUnreferenced)
    {
        var state = repo.Aggregate;
        if (state?.HasBlob(digest) != true || (refreshUnreferenced && !state.IsReferenced(digest)))
            repo.AppendOne(new BlobLinked(repository, digest, size, how));
    }

    // The blob's stream learns when a repository let go of it, in the same transaction, so the blob sweep knows how
    // long the bytes have been unused. Appended without an expected version: two repositories releasing one blob
    // at once collide on the stream's next version, and the loser retries.
    private static void Unlink(IDocumentSession session, IEventStream<RepositoryState> repo, string repository, string digest)
    {
        repo.AppendOne(new BlobUnlinked(repository, digest));
        session.Events.Append(StreamKeys.Blob(digest), new BlobReleased(digest, repository));
    }

    private IDocumentSession Open(WriteContext who)
    {
        var session = store.LightweightSession();
        session.CorrelationId = who.RequestId;
        session.CausationId = who.CausationId;
        session.LastModifiedBy = who.Actor;
        session.SetHeader(EventHeaders.Actor, who.Actor);
        if (who.ClientAddress is { } address)
            session.SetHeader(EventHeaders.ClientAddress, address);
        if (who.UserAgent is { } agent)
            session.SetHeader(EventHeaders.UserAgent, agent);
        return session;
    }
}
