// bench/engine: the canister engine's rates in-process, in one run, each beside the reference it is judged against
// (measured in the same run) and the issue's target. The canisters are dev/canisters/out: cdk.wasm (hand-written,
// like Rust's ic-cdk) grown to a 3 MiB heap, and the Motoko counter (counter.wasm, a 5 MiB heap).
//   - query calls/s through the executor (cdk read_state, which writes a page), against the raw Wasmtime call rate
//     of the same export on the same instance (the limit: nothing around the call);
//   - Motoko counter queries, copy-on-write and with heaps copied (how queries ran before host memories);
//   - update calls/s (submit + await, one round each) on one canister;
//   - updates/s with two subnets executing in the same rounds, against one subnet, beside plain CPU work on two
//     threads against one (the parallelism the shared machine gives at that moment: the ratio's real limit), and
//     both per second of CPU time (what running subnets in parallel costs, whatever the load), and the time the
//     virtual machine's host stole from each core meanwhile (/proc/stat);
//   - updates/s on the persistent instance, each committed to its log and flushed to the disk;
//   - queries/s on two canisters of two subnets from two threads, against one;
//   - install time: cold (compiling), from the on-disk compiled-module cache, and from the in-memory cache.
// A rate and its reference are measured in turns, BENCH_ENGINE_ROUNDS (3) times each, and the medians compared: on
// a shared machine the load moves between two measurements taken seconds apart. It reports; it does not fail on a
// missed target. BENCH_ENGINE_SECONDS (1) is the time per measurement.
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Runtime;
using Platform.Engine.SystemApi;

var seconds = double.TryParse(Environment.GetEnvironmentVariable("BENCH_ENGINE_SECONDS"), out var s) ? s : 1.0;
var rounds = int.TryParse(Environment.GetEnvironmentVariable("BENCH_ENGINE_ROUNDS"), out var r0) ? Math.Max(1, r0) : 3;
var root = args.Length > 0 ? args[0] : FindRoot();
var wasm = File.ReadAllBytes(Path.Combine(root, "dev", "canisters", "out", "counter.wasm"));
var cdk = File.ReadAllBytes(Path.Combine(root, "dev", "canisters", "out", "cdk.wasm"));
var caller = Principal.FromBytes([1, 2, 3, 4, 2]);
var noArgs = CandidBinary.Encode([], []);
var results = new List<(string Name, double Value, string Unit, double? Reference, string ReferenceName, string Target)>();

// ---- install: cold, on-disk cache, in-memory cache ----
var cache = Path.Combine(Path.GetTempPath(), "engine-bench-cache-" + Guid.NewGuid().ToString("N"));
try
{
    using (var cold = new WasmRuntime(cache, NullLogger<WasmRuntime>.Instance))
    {
        var clock = Stopwatch.StartNew();
        using var instance = NewInstance(cold, 1);
        Install(instance, 0);
        results.Add(("install, cold (compile + init)", clock.Elapsed.TotalMilliseconds, "ms", null, "", ""));
        clock.Restart();
        Install(instance, 0);
        results.Add(("install, in-memory module cache", clock.Elapsed.TotalMilliseconds, "ms", null, "", "< 20 ms"));
    }
    using (var warm = new WasmRuntime(cache, NullLogger<WasmRuntime>.Instance))
    {
        using var instance = NewInstance(warm, 1);
        var clock = Stopwatch.StartNew();
        Install(instance, 0);
        results.Add(("install, on-disk module cache", clock.Elapsed.TotalMilliseconds, "ms", null, "", "< 20 ms"));
    }
}
finally
{
    Directory.Delete(cache, recursive: true);
}

// ---- queries against the raw call rate ----
using var runtime = new WasmRuntime(null, NullLogger<WasmRuntime>.Instance);
using var copying = new WasmRuntime(null, NullLogger<WasmRuntime>.Instance, copyOnWriteHeaps: false);
if (!runtime.CopyOnWriteHeaps) Console.Error.WriteLine("warning: copy-on-write heaps are not available here; both query rows copy");
{
    using var instance = NewInstance(runtime, 1);
    var small = Install(instance, 0, cdk, []);
    var pages = (int)((3L * 1024 * 1024 - small.Sandbox!.HeapBytes) / 65536);
    Call(instance, small, "grow", BitConverter.GetBytes(pages));
    var (raw, cdkQueries) = Pair(RawAction(small, "read_state"), () => Query(instance, small, "read_state"));
    results.Add(("raw Wasmtime calls of cdk read_state", raw, "/s", null, "", "the limit"));
    results.Add(($"queries, cdk, {small.Sandbox.HeapBytes / 1024 / 1024.0:F1} MiB heap, copy-on-write", cdkQueries, "/s", raw, "raw", "ratio >= 0.25"));
    using (var copied = NewInstance(copying, 1))
    {
        var oldSmall = Install(copied, 0, cdk, []);
        Call(copied, oldSmall, "grow", BitConverter.GetBytes(pages));
        results.Add(("queries, cdk, heap copied (no host memory)", Rate(() => Query(copied, oldSmall, "read_state")), "/s", raw, "raw", ""));
    }

    var counter = Install(instance, 0);
    for (var i = 0; i < 100; i++) Update(instance, counter);
    var heap = counter.Sandbox!.HeapBytes;
    using var old = NewInstance(copying, 1);
    var oldCounter = Install(old, 0);
    for (var i = 0; i < 100; i++) Update(old, oldCounter);
    var (motoko, motokoCopied) = Pair(() => Query(instance, counter), () => Query(old, oldCounter));
    results.Add(($"queries, Motoko, {heap / 1024 / 1024.0:F1} MiB heap, copy-on-write", motoko, "/s", null, "", ""));
    results.Add(("queries, Motoko, heap copied (no host memory)", motokoCopied, "/s", motoko, "cow", ""));

    var (updates, updatesCopied) = Pair(() => Update(instance, counter), () => Update(old, oldCounter));
    results.Add(("updates (submit + await, a round each)", updates, "/s", null, "", ">= 5000/s"));
    results.Add(("updates, heap copied (no host memory)", updatesCopied, "/s", updates, "cow", ""));
}

// ---- the persistent instance: every update committed to its log and flushed before it counts ----
{
    var data = Path.Combine(Path.GetTempPath(), "engine-bench-data-" + Guid.NewGuid().ToString("N"));
    try
    {
        var registry = new InstanceRegistry(runtime, new InstructionLimits(), NullLoggerFactory.Instance);
        using var persistent = Platform.Engine.Persistence.InstanceStore.Open(data, registry, runtime, 1, 64L * 1024 * 1024, NullLogger.Instance);
        var counter = Install(persistent, 0);
        persistent.Store!.Commit();
        var durable = Median(() => Rate(() => { Update(persistent, counter); persistent.Store!.Commit(); }));
        results.Add(("updates, persistent instance (log + fsync)", durable, "/s", null, "", ""));
        // As the REST API serves concurrent clients: each update and its log append under the instance's gate, the
        // wait for the flush outside it, so the clients waiting share one fsync (group commit); the reference is
        // the same clients with the flush under the gate (one fsync per update, as before group commit).
        const int Clients = 8;
        var store = persistent.Store!;
        void Client(bool grouped)
        {
            persistent.Gate.Wait();
            long sequence;
            try
            {
                Update(persistent, counter);
                sequence = store.Append();
                if (!grouped) store.WhenDurableAsync(sequence).GetAwaiter().GetResult();
            }
            finally { persistent.Gate.Release(); }
            store.WhenDurableAsync(sequence).GetAwaiter().GetResult();
        }
        var clients = Turns(() => ManyRate(Clients, () => Client(grouped: true)), () => ManyRate(Clients, () => Client(grouped: false)));
        var (grouped, serial) = (clients[0], clients[1]);
        results.Add(($"updates, persistent, {Clients} clients, flush in gate", serial, "/s", null, "", ""));
        results.Add(($"updates, persistent, {Clients} clients, group commit", grouped, "/s", serial, "gate", ""));
    }
    finally
    {
        Directory.Delete(data, recursive: true);
    }
}

// ---- two subnets against one ----
// Each round's ingress messages are awaited afterwards (their results are there: no further round runs), as a client
// does, so results do not pile up in the instance. The limit beside it: plain CPU work (SHA-256 of 64 KiB) on two
// threads against one, measured in the same turns, which is what the shared machine's two cores give at that moment.
var stealBefore = CpuTimes();
{
    using var instance = NewInstance(runtime, 2);
    var a = Install(instance, 0);
    var b = Install(instance, 1);
    const int Batch = 32;
    var ids = new List<byte[]>(2 * Batch);
    void Round(params Canister[] targets)
    {
        ids.Clear();
        for (var i = 0; i < Batch; i++)
        {
            foreach (var target in targets) ids.Add(instance.Submit(caller, target.Id, "inc", noArgs, null));
        }
        instance.Tick();
        foreach (var id in ids)
        {
            if (instance.Await(id, out _) is not CallReply) throw new InvalidOperationException("inc did not reply");
        }
    }
    var work = new byte[64 * 1024];
    void Cpu() => System.Security.Cryptography.SHA256.HashData(work);
    var turns = Turns(() => Rate(() => Round(a)), () => Rate(() => Round(a, b)), () => Rate(Cpu), () => ParallelRate(Cpu, Cpu),
        () => Rate(() => Round(a), cpu: true), () => Rate(() => Round(a, b), cpu: true));
    var (one, two) = (turns[0] * Batch, turns[1] * 2 * Batch);
    results.Add(($"updates, one subnet ({Batch} a round)", one, "/s", null, "", ""));
    results.Add(($"updates, two subnets ({Batch} each a round)", two, "/s", one, "one", "ratio >= 1.60"));
    results.Add(("plain CPU work, one thread (SHA-256 of 64 KiB)", turns[2], "/s", null, "", ""));
    results.Add(("plain CPU work, two threads", turns[3], "/s", turns[2], "one", "the machine's limit"));
    // Updates per second of the process's CPU time: equal for one and two subnets when running them in parallel
    // costs nothing (no lock spinning, no extra work); this does not depend on how many cores the load leaves.
    results.Add(("updates per CPU-second, one subnet", turns[4] * Batch, "/s", null, "", ""));
    results.Add(("updates per CPU-second, two subnets", turns[5] * 2 * Batch, "/s", turns[4] * Batch, "one", "1.00: no overhead"));

    var queryOne = Median(() => Rate(() => Query(instance, a)));
    var queryTwo = Median(() => ParallelRate(() => Query(instance, a), () => Query(instance, b)));
    results.Add(("queries, one canister, one thread", queryOne, "/s", null, "", ""));
    results.Add(("queries, two subnets, two threads", queryTwo, "/s", queryOne, "one", ""));
}

var steal = Steal(stealBefore, CpuTimes());
var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
Console.WriteLine($"\nengine benchmark ({seconds:F1} s per measurement, medians of {rounds}, {Environment.ProcessorCount} cores, load average {load}, copy-on-write heaps: {runtime.CopyOnWriteHeaps})");
Console.WriteLine($"{"measurement",-46} {"value",14} {"reference",14} {"ratio",7}   target");
// A virtual machine's host may run other guests on its cores: time stolen from one core while two subnets share a
// round holds both back (a round ends when its last subnet does), where the plain CPU threads run on independently.
if (steal is { } stolen)
    Console.WriteLine($"time stolen by the host during the two-subnet measurements, per core: {string.Join(", ", stolen.Select(x => $"{x:P0}"))}");
foreach (var (name, value, unit, reference, referenceName, target) in results)
{
    var shown = unit == "ms" ? $"{value:F1} ms" : $"{value:F0}{unit}";
    var refShown = reference is { } r ? $"{r:F0}/s {referenceName}" : "";
    var ratio = reference is { } rr ? $"{value / rr:F2}" : "";
    Console.WriteLine($"{name,-46} {shown,14} {refShown,14} {ratio,7}   {target}");
}
return 0;

// Per core, the (steal, total) jiffies from /proc/stat; null where there is none.
static (long Steal, long Total)[]? CpuTimes()
{
    if (!File.Exists("/proc/stat")) return null;
    return File.ReadLines("/proc/stat")
        .Where(l => l.StartsWith("cpu", StringComparison.Ordinal) && l.Length > 3 && char.IsDigit(l[3]))
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray())
        // user nice system idle iowait irq softirq steal (guest time is counted in user already)
        .Select(f => (f.Length > 7 ? f[7] : 0, f.Take(8).Sum()))
        .ToArray();
}

static double[]? Steal((long Steal, long Total)[]? before, (long Steal, long Total)[]? after) =>
    before is null || after is null || before.Length != after.Length ? null
        : before.Zip(after, (b, a) => a.Total > b.Total ? (double)(a.Steal - b.Steal) / (a.Total - b.Total) : 0).ToArray();

// Calls of the action per second of wall-clock time, or with cpu: per second of the process's CPU time (all its
// threads), which does not depend on how many cores the machine's load leaves.
double Rate(Action action, bool cpu = false)
{
    for (var i = 0; i < 50; i++) action(); // warm-up: JIT, first faults
    using var process = Process.GetCurrentProcess();
    var started = process.TotalProcessorTime;
    var n = 0L;
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        for (var i = 0; i < 20; i++) action();
        n += 20;
    }
    if (!cpu) return n / clock.Elapsed.TotalSeconds;
    process.Refresh();
    return n / Math.Max((process.TotalProcessorTime - started).TotalSeconds, 1e-6);
}

// The medians of a rate and its reference, measured in turns.
(double, double) Pair(Action measured, Action reference)
{
    var a = new List<double>();
    var b = new List<double>();
    for (var i = 0; i < rounds; i++)
    {
        a.Add(Rate(measured));
        b.Add(Rate(reference));
    }
    return (a.Order().ElementAt(rounds / 2), b.Order().ElementAt(rounds / 2));
}

// The median of each measurement, all taken in turns (one of each, then again), so load that comes and goes
// touches each of them alike.
double[] Turns(params Func<double>[] measurements)
{
    var taken = measurements.Select(_ => new List<double>()).ToArray();
    for (var i = 0; i < rounds; i++)
    {
        for (var m = 0; m < measurements.Length; m++) taken[m].Add(measurements[m]());
    }
    return taken.Select(t => t.Order().ElementAt(rounds / 2)).ToArray();
}

double Median(Func<double> measure) => Enumerable.Range(0, rounds).Select(_ => measure()).Order().ElementAt(rounds / 2);

// The total rate of n threads running the same action.
double ManyRate(int n, Action action)
{
    // Threads of their own: the thread pool would start the later ones late.
    var rates = new double[n];
    var threads = Enumerable.Range(0, n).Select(i => new Thread(() => rates[i] = Rate(action))).ToList();
    threads.ForEach(t => t.Start());
    threads.ForEach(t => t.Join());
    return rates.Sum();
}

double ParallelRate(Action first, Action second)
{
    double a = 0, b = 0;
    Parallel.Invoke(() => a = Rate(first), () => b = Rate(second));
    return a + b;
}

// The limit: the same export invoked on the same instance with nothing around it (no snapshot, no rollback; the
// cdk query may run again on what it leaves, which Motoko's runtime refuses, so the limit is measured on cdk).
Action RawAction(Canister canister, string method)
{
    var sandbox = canister.Sandbox!;
    return () =>
    {
        var api = new ApiContext
        {
            Entry = EntryPoint.Query, Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = 0,
            Argument = noArgs, Caller = caller, MethodName = method, InstructionLimit = 5_000_000_000,
        };
        if (sandbox.Run(api, "canister_query " + method) is { } failure) throw new InvalidOperationException(failure.Message);
    };
}

EngineInstance NewInstance(WasmRuntime wasmRuntime, int subnets) =>
    new InstanceRegistry(wasmRuntime, new InstructionLimits(), NullLoggerFactory.Instance).Create(new SubnetLayout(Application: subnets));

// Installs straight through the executor (create and install_code without the management canister's Candid).
Canister Install(EngineInstance instance, int subnet, byte[]? module = null, byte[]? initArg = null)
{
    var target = instance.Subnets[subnet];
    var canister = new Canister(target.AllocateId()!, target.Id);
    canister.Settings.Controllers.Add(caller);
    var arg = initArg ?? CandidBinary.Encode(CandidType.Nat, CandidValue.Nat(0));
    if (instance.Executor.Install(canister, new InstallRequest(InstallMode.Install, module ?? wasm, arg, caller), instance.Time) is { } reject)
    {
        throw new InvalidOperationException(reject.Message);
    }
    target.Canisters[canister.Id] = canister;
    return canister;
}

void Update(EngineInstance instance, Canister canister) => Call(instance, canister, "inc", noArgs);

void Call(EngineInstance instance, Canister canister, string method, byte[] payload)
{
    var id = instance.Submit(caller, canister.Id, method, payload, null);
    if (instance.Await(id, out _) is not CallReply) throw new InvalidOperationException($"{method} did not reply");
}

void Query(EngineInstance instance, Canister canister, string method = "get")
{
    if (instance.Executor.ExecuteQuery(canister, caller, method, noArgs, instance.Time) is not CallReply) throw new InvalidOperationException($"{method} did not reply");
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Platform.sln"))) return dir.FullName;
    }
    throw new InvalidOperationException("the repository root (Platform.sln) was not found; pass it as the first argument");
}
