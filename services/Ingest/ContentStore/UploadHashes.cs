using System.Collections.Concurrent;
using System.Security.Cryptography;
using Platform.Hosting.Concurrency;

namespace Platform.Ingest.ContentStore;

/// <summary>
/// The running SHA-256 of each open upload session, so a blob pushed in chunks is hashed once, while it streams.
/// IncrementalHash cannot be persisted: after a restart (or on another Ingest instance) the hash is rebuilt from
/// the bytes already on disk, which costs one read of the upload file and nothing else.
/// </summary>
public sealed class UploadHashes
{
    private readonly ConcurrentDictionary<Guid, Entry> _running = new();

    private sealed record Entry(long Offset, IncrementalHash Hash);

    /// <summary>Takes the running hash of a session if it is at <paramref name="offset"/>; the caller owns it until <see cref="Put"/>.</summary>
    public IncrementalHash? Take(Guid sessionId, long offset)
    {
        if (_running.TryRemove(sessionId, out var entry))
        {
            if (entry.Offset == offset)
                return entry.Hash;
            entry.Hash.Dispose();
        }
        return null;
    }

    public void Put(Guid sessionId, long offset, IncrementalHash hash)
    {
        if (!_running.TryAdd(sessionId, new Entry(offset, hash)))
            hash.Dispose();
    }

    public void Forget(Guid sessionId)
    {
        if (_running.TryRemove(sessionId, out var entry))
            entry.Hash.Dispose();
    }
}

/// <summary>One request at a time per upload session in this process; the event stream's version guards across processes.</summary>
public sealed class UploadLocks : KeyedLock<Guid>;

/// <summary>
/// Serialises this process's writes to one repository stream. Optimistic concurrency would make the losers of a
/// race retry anyway, but every lost race rolls back a transaction and leaves a gap in the event sequence, and
/// the relay waits on each gap before it can be sure no commit is missing. Layers of one image arrive together,
/// so without this a burst of pushes is a burst of gaps. Across Ingest instances optimistic concurrency remains
/// the guard.
/// </summary>
public sealed class RepositoryLocks() : KeyedLock<string>(StringComparer.Ordinal);
