using System.Collections.Concurrent;

namespace Platform.Hosting.Concurrency;

/// <summary>
/// One holder at a time per key, in this process (an upload session, a repository stream, a blob). What guards
/// across processes is the event store's optimistic concurrency; this only keeps one process from racing itself.
/// </summary>
public class KeyedLock<TKey>(IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, SemaphoreSlim> _gates = new(comparer);

    public async Task<IDisposable> AcquireAsync(TKey key, CancellationToken ct)
    {
        var gate = _gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
