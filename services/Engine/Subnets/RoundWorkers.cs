using Platform.Engine.Canisters;

namespace Platform.Engine.Subnets;

/// <summary>
/// Runs the subnets of one round in parallel on the process's round workers: threads of their own (one per core
/// beyond the caller's) that wait for the next round spinning a little before they sleep.
/// </summary>
/// <remarks>
/// A round is short (a millisecond for 32 updates) and the rounds come back to back, so what it costs to start and
/// to join the threads decides whether two subnets keep two cores busy. Parallel.For on the thread pool paid a
/// sleeping worker's wake-up at every round start and the caller's at every join (workers sleep at once here: the
/// pool's spinning is off process-wide); on a virtual machine's idle core a wake-up costs a good part of a round.
/// Here the caller executes subnets itself and the workers take the others as soon as they see the round (a
/// subnet nobody took yet goes to whoever is free first, so a worker that comes late costs nothing); a worker that
/// just finished a round keeps looking for the next for two milliseconds before it sleeps, and the caller waits
/// for the last subnet of its round the same way. That spinning is the price: at most two milliseconds of a core
/// after the last round of a burst.
/// </remarks>
internal static class RoundWorkers
{
    // How long a worker keeps looking for the next round, and the caller for the end of one, before sleeping: longer
    // than what a client does between two rounds (submitting and collecting a round's messages) plus the time the
    // caller may still be executing its own subnet, far shorter than an idle engine's pause. At 0.5 ms, in the first
    // seconds of bench/engine's two-subnet run (code not yet optimised, so a client's part of a round is slower)
    // 4-11 % of rounds found the worker asleep and the caller ran both subnets; at 2 ms, 2 %.
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 500; // 2 ms

    private static readonly int Count = Math.Max(0, Environment.ProcessorCount - 1);
    private static readonly Lock StartLock = new();
    private static readonly System.Collections.Concurrent.ConcurrentQueue<Round> Pending = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static int _sleeping;
    private static bool _started;

    /// <summary>
    /// Executes one round of <paramref name="subnets"/>; <paramref name="outputs"/> gets each one's output at its
    /// index. Returns when all are done; an exception of one is thrown here.
    /// </summary>
    public static void Execute(IReadOnlyList<Subnet> subnets, CanisterExecutor executor, ulong time, ExecutionOutput[] outputs)
    {
        var busy = 0;
        foreach (var subnet in subnets) if (subnet.Inbox.Count > 0) busy++;
        var helpers = Math.Min(Count, busy - 1);
        if (helpers <= 0)
        {
            for (var i = 0; i < subnets.Count; i++) outputs[i] = subnets[i].ExecuteRound(executor, time);
            return;
        }
        EnsureStarted();
        var round = new Round(subnets, executor, time, outputs);
        for (var i = 0; i < helpers; i++) Pending.Enqueue(round);
        // Only a sleeping worker needs the semaphore; one that spins sees the queue.
        for (var wake = Math.Min(helpers, Volatile.Read(ref _sleeping)); wake > 0; wake--) Wake.Release();
        round.Work();
        round.Join();
    }

    private static void EnsureStarted()
    {
        if (Volatile.Read(ref _started)) return;
        lock (StartLock)
        {
            if (_started) return;
            for (var i = 0; i < Count; i++)
            {
                new Thread(Loop) { IsBackground = true, Name = $"subnet round worker {i}" }.Start();
            }
            Volatile.Write(ref _started, true);
        }
    }

    private static void Loop()
    {
        while (true)
        {
            if (Pending.TryDequeue(out var round))
            {
                round.Work();
                continue;
            }
            var until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            var found = false;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
                if (!Pending.IsEmpty) { found = true; break; }
                // Spinning, not yielding: on a busy machine a yielding thread goes behind every runnable one and
                // comes back long after the round it waited for started.
                Thread.SpinWait(20);
            }
            if (found) continue;
            Interlocked.Increment(ref _sleeping);
            // A round queued between the look above and this count would wait for the next one to wake us: look again.
            if (Pending.IsEmpty) Wake.Wait();
            Interlocked.Decrement(ref _sleeping);
        }
    }

    private sealed class Round(IReadOnlyList<Subnet> subnets, CanisterExecutor executor, ulong time, ExecutionOutput[] outputs)
    {
        private int _next = -1;
        private int _remaining = subnets.Count;
        private Exception? _failure;
        private readonly ManualResetEventSlim _done = new(false, spinCount: 0);

        /// <summary>Takes subnets that nobody took yet and executes them; a worker that comes late finds none left.</summary>
        public void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref _next)) < subnets.Count)
            {
                try
                {
                    outputs[i] = subnets[i].ExecuteRound(executor, time);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _failure, e, null);
                }
                if (Interlocked.Decrement(ref _remaining) == 0) _done.Set();
            }
        }

        public void Join()
        {
            var until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref _remaining) > 0 && System.Diagnostics.Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
            // Not disposed: it never made a kernel handle, and a worker may still be inside Set.
            _done.Wait();
            if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
        }
    }
}
