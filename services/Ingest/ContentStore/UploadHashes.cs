using System.Collections.Concurrent;
using System.Security.Cryptography;

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
public sealed class UploadLocks
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _locks = new();

    public async Task<IDisposable> AcquireAsync(Guid sessionId, CancellationToken ct)
    {
        var gate = _locks.GetOrAdd(sessionId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
