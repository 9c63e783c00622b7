using Marten;
using Platform.Hosting.Persistence;
using Platform.Registry;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;

namespace Platform.Ingest.Blobs;

/// <summary>Records that verified bytes are stored, and links a blob into a repository, in one transaction.</summary>
public sealed class BlobLinker(IDocumentStore store, ContentStore.RepositoryLocks locks)
{
    public async Task CompleteUploadAsync(string repository, Guid sessionId, string digest, long size, HttpContext http,
        CancellationToken ct, (long Offset, long Length)? chunk = null)
    {
        using var held = await locks.AcquireAsync(repository, ct);
        await ConcurrencyRetry.RunAsync(async () =>
        {
            await using var session = store.OpenEventSession(http);
            var uploadKey = StreamKeys.Upload(sessionId);
            if (chunk is { } c)
                session.Events.Append(uploadKey, new UploadChunkAccepted(sessionId, c.Offset, c.Length));
            session.Events.Append(uploadKey, new UploadCompleted(sessionId, repository, digest, size));
            await AppendStoredAndLinkedAsync(session, repository, digest, size, "upload", ct);
            await session.SaveChangesAsync(ct);
            return true;
        }, ct);
    }

    public async Task LinkAsync(string repository, string digest, long size, string how, HttpContext http, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(repository, ct);
        await ConcurrencyRetry.RunAsync(async () =>
        {
            await using var session = store.OpenEventSession(http);
            await AppendStoredAndLinkedAsync(session, repository, digest, size, how, ct);
            await session.SaveChangesAsync(ct);
            return true;
        }, ct);
    }

    private static async Task AppendStoredAndLinkedAsync(IDocumentSession session, string repository, string digest, long size,
        string how, CancellationToken ct)
    {
        if (await session.LoadAsync<BlobRecord>(StreamKeys.Blob(digest), ct) is null)
            session.Events.Append(StreamKeys.Blob(digest), new BlobStored(digest, size));

        // FetchForWriting pins the repository stream's version: a concurrent link to the same repository makes one
        // of the two commits fail, and the retry re-reads.
        var repo = await session.Events.FetchForWriting<RepositoryState>(StreamKeys.Repository(repository), ct);
        if (repo.Aggregate?.HasBlob(digest) != true)
            repo.AppendOne(new BlobLinked(repository, digest, size, how));
    }
}
