using JasperFx.Events;
using Marten;
using Platform.Hosting.Concurrency;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;

namespace Platform.Registry.Writing;

/// <summary>What a manifest write found wrong in the repository, if anything.</summary>
public sealed record ManifestRefusal(string Message, string Digest);

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
    /// Completes an upload whose verified bytes are in the content store: the session ends, the blob is stored
    /// (once) and linked into the repository, all in one transaction. <paramref name="lastChunk"/> is a final chunk
    /// written with the completing request (a monolithic upload is one).
    /// </summary>
    public Task CompleteUploadAsync(string repository, Guid sessionId, string digest, long size, WriteContext who,
        CancellationToken ct, (long Offset, long Length)? lastChunk = null) =>
        WriteRepositoryAsync(repository, who, async (session, repo) =>
        {
            var uploadKey = StreamKeys.Upload(sessionId);
            if (lastChunk is { } c)
                session.Events.Append(uploadKey, new UploadChunkAccepted(sessionId, c.Offset, c.Length));
            session.Events.Append(uploadKey, new UploadCompleted(sessionId, repository, digest, size));
            await StoreAndLinkAsync(session, repo, repository, digest, size, "upload", ct);
            return true;
        }, ct);

    /// <summary>Links stored bytes into a repository (a cross-repository mount).</summary>
    public Task LinkBlobAsync(string repository, string digest, long size, string how, WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync(repository, who, async (session, repo) =>
        {
            await StoreAndLinkAsync(session, repo, repository, digest, size, how, ct);
            return true;
        }, ct);

    /// <summary>Unlinks a blob from one repository; false if it was not linked there. The bytes stay (other links, GC).</summary>
    public Task<bool> UnlinkBlobAsync(string repository, string digest, WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync(repository, who, (_, repo) =>
        {
            if (repo.Aggregate?.HasBlob(digest) != true)
                return Task.FromResult(false);
            repo.AppendOne(new BlobUnlinked(repository, digest));
            return Task.FromResult(true);
        }, ct);

    /// <summary>
    /// Records a validated manifest (once per repository) and moves <paramref name="tag"/> to it when it pointed
    /// elsewhere. Refused, with nothing written, when the repository lacks a blob or manifest it references.
    /// </summary>
    public Task<ManifestRefusal?> PutManifestAsync(ManifestPushed manifest, string? tag, WriteContext who, CancellationToken ct) =>
        WriteRepositoryAsync(manifest.Repository, who, (_, repo) =>
        {
            var state = repo.Aggregate;
            if (manifest.Blobs.FirstOrDefault(b => state?.HasBlob(b) != true) is { } missingBlob)
                return Task.FromResult<ManifestRefusal?>(new("the manifest references a blob unknown to this repository", missingBlob));
            if (manifest.Manifests.FirstOrDefault(m => state?.Manifests.ContainsKey(m) != true) is { } missingManifest)
                return Task.FromResult<ManifestRefusal?>(new("the index references a manifest unknown to this repository", missingManifest));

            if (state?.Manifests.ContainsKey(manifest.Digest) != true)
                repo.AppendOne(manifest);
            var previous = state?.Tags.GetValueOrDefault(tag ?? "");
            if (tag is not null && previous != manifest.Digest)
                repo.AppendOne(new TagMoved(manifest.Repository, tag, manifest.Digest, previous));
            return Task.FromResult<ManifestRefusal?>(null);
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
        ConcurrencyRetry.RunAsync(async () =>
        {
            await using var session = Open(who);
            var blob = await session.Events.FetchForWriting<BlobRecord>(StreamKeys.Blob(digest), ct);
            if (decide(blob.Aggregate) is not { } @event)
                return false;
            blob.AppendOne(@event);
            await session.SaveChangesAsync(ct);
            return true;
        }, ct);

    private static async Task StoreAndLinkAsync(IDocumentSession session, IEventStream<RepositoryState> repo,
        string repository, string digest, long size, string how, CancellationToken ct)
    {
        if (await session.LoadAsync<BlobRecord>(StreamKeys.Blob(digest), ct) is null)
            session.Events.Append(StreamKeys.Blob(digest), new BlobStored(digest, size));
        if (repo.Aggregate?.HasBlob(digest) != true)
            repo.AppendOne(new BlobLinked(repository, digest, size, how));
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
