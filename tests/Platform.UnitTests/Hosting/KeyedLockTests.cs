using Platform.Hosting.Concurrency;

namespace Platform.UnitTests.Hosting;

public class KeyedLockTests
{
    [Fact]
    public async Task One_holder_per_key_and_no_key_is_kept_once_nobody_holds_or_waits()
    {
        var locks = new KeyedLock<string>(StringComparer.Ordinal);
        var inside = 0;
        var maxInside = 0;
        // Four keys, many contenders each: never two inside for one key, and every gate is gone at the end.
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), async (i, ct) =>
        {
            var key = $"k{i % 4}";
            using (await locks.AcquireAsync(key, ct))
            {
                if (key == "k0")
                {
                    maxInside = Math.Max(maxInside, Interlocked.Increment(ref inside));
                    await Task.Yield();
                    Interlocked.Decrement(ref inside);
                }
            }
        });
        Assert.Equal(1, maxInside);
        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_leaves_nothing_behind()
    {
        var locks = new KeyedLock<Guid>();
        var key = Guid.NewGuid();
        var held = await locks.AcquireAsync(key, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = locks.AcquireAsync(key, cts.Token);
        Assert.False(waiting.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, locks.ActiveKeys);

        held.Dispose();
        held.Dispose(); // a second release must not let two holders in later
        Assert.Equal(0, locks.ActiveKeys);
        using (await locks.AcquireAsync(key, CancellationToken.None))
        {
            var second = locks.AcquireAsync(key, CancellationToken.None);
            Assert.False(second.IsCompleted);
            await Task.Delay(20);
            Assert.False(second.IsCompleted);
            _ = second.ContinueWith(t => t.Result.Dispose(), TaskScheduler.Default);
        }
    }
}
