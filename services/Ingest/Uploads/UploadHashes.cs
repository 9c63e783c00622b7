using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Platform.Ingest.Uploads;

/// <summary>
/// The running SHA-256 of each open upload session, so a blob pushed in chunks is hashed once, while it streams.
/// IncrementalHash cannot be persisted: after a restart (or on another Ingest instance) the hash is rebuilt from
/// the bytes already on disk, which costs one read of the upload file and nothing else.
/// </summary>
internal sealed class UploadHashes
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
