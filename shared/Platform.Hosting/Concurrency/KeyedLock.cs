using System.Collections.Concurrent;

namespace Platform.Hosting.Concurrency;

/// <summary>
/// One holder at a time per key, in this process (an upload session, a repository stream, a blob). What guards
/// across processes is the event store's optimistic concurrency; this only keeps one process from racing itself.
/// A key's gate exists only while someone holds or waits for it: keys are upload sessions and digests, an unbounded
/// set, and a gate kept per key for the life of the process is a leak.
/// </summary>
public class KeyedLock<TKey>(IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Gate> _gates = new(comparer);

    /// <summary>Keys with a holder or a waiter now (for tests and diagnostics).</summary>
    public int ActiveKeys => _gates.Count;

    public async Task<IDisposable> AcquireAsync(TKey key, CancellationToken ct)
    {
        var gate = Enter(key);
        try
        {
            await gate.Semaphore.WaitAsync(ct);
        }
        catch
        {
            Leave(key, gate);
            throw;
        }
        return new Releaser(this, key, gate);
    }

    // Takes a reference on the key's gate, creating it if needed. A gate whose last reference is being dropped is
    // retired (and removed) under its own lock; a caller that finds one retired takes a fresh gate instead.
    private Gate Enter(TKey key)
    {
        while (true)
        {
            var gate = _gates.GetOrAdd(key, _ => new Gate());
            lock (gate)
            {
                if (gate.Retired)
                    continue;
                gate.References++;
                return gate;
            }
        }
    }

    private void Leave(TKey key, Gate gate)
    {
        lock (gate)
        {
            if (--gate.References > 0)
                return;
            gate.Retired = true;
        }
        _gates.TryRemove(new KeyValuePair<TKey, Gate>(key, gate));
    }

    private sealed class Gate
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int References;
        public bool Retired;
    }

    private sealed class Releaser(KeyedLock<TKey> owner, TKey key, Gate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1)
                return;
            gate.Semaphore.Release();
            owner.Leave(key, gate);
        }
    }
}
