// bench/engine: the canister engine's rates in-process, in one run, each beside the reference it is judged against
// (measured in the same run) and the issue's target. The canisters are dev/canisters/out: cdk.wasm (hand-written,
// like Rust's ic-cdk) grown to a 3 MiB heap, and the Motoko counter (counter.wasm, a 5 MiB heap).
//   - query calls/s through the executor (cdk read_state, which writes a page), against the raw Wasmtime call rate
//     of the same export on the same instance (the limit: nothing around the call);
//   - Motoko counter queries, copy-on-write and with heaps copied (how queries ran before host memories);
//   - update calls/s (submit + await, one round each) on one canister;
//   - updates/s with two subnets executing in the same rounds, against one subnet;
//   - queries/s on two canisters of two subnets from two threads, against one;
//   - install time: cold (compiling), from the on-disk compiled-module cache, and from the in-memory cache.
// It reports; it does not fail on a missed target. BENCH_ENGINE_SECONDS (2) is the time per rate measured.
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Runtime;
using Platform.Engine.SystemApi;

var seconds = double.TryParse(Environment.GetEnvironmentVariable("BENCH_ENGINE_SECONDS"), out var s) ? s : 2.0;
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
    var raw = RawRate(small, "read_state");
    if (Environment.GetEnvironmentVariable("BENCH_PROFILE") == "1")
    {
        var sb = small.Sandbox!;
        long tSnap = 0, tRun = 0, tRest = 0; var sw = new Stopwatch();
        for (var i = 0; i < 20000; i++)
        {
            var api = new ApiContext { Entry = EntryPoint.Query, Self = small.Id, Subnet = small.SubnetId, Canister = small, Time = 0, Argument = noArgs, Caller = caller, MethodName = "read_state", InstructionLimit = 5_000_000_000 };
            var t0 = Stopwatch.GetTimestamp();
            var snap = sb.TakeSnapshot();
            var t1 = Stopwatch.GetTimestamp();
            sb.Run(api, "canister_query read_state");
            var t2 = Stopwatch.GetTimestamp();
            sb.Restore(snap, keepGrownMemory: true);
            var t3 = Stopwatch.GetTimestamp();
            tSnap += t1 - t0; tRun += t2 - t1; tRest += t3 - t2;
        }
        Console.WriteLine($"snapshot {tSnap * 1e6 / Stopwatch.Frequency / 20000:F2} us, run {tRun * 1e6 / Stopwatch.Frequency / 20000:F2} us, restore {tRest * 1e6 / Stopwatch.Frequency / 20000:F2} us");
        var qs = Stopwatch.GetTimestamp();
        for (var i = 0; i < 20000; i++) Query(instance, small, "read_state");
        Console.WriteLine($"query {(Stopwatch.GetTimestamp() - qs) * 1e6 / Stopwatch.Frequency / 20000:F2} us");
    }
    var cdkQueries = Rate(() => Query(instance, small, "read_state"));
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
    var motoko = Rate(() => Query(instance, counter));
    results.Add(($"queries, Motoko, {heap / 1024 / 1024.0:F1} MiB heap, copy-on-write", motoko, "/s", null, "", ""));

    using var old = NewInstance(copying, 1);
    var oldCounter = Install(old, 0);
    for (var i = 0; i < 100; i++) Update(old, oldCounter);
    results.Add(("queries, Motoko, heap copied (no host memory)", Rate(() => Query(old, oldCounter)), "/s", motoko, "cow", ""));

    var updates = Rate(() => Update(instance, counter));
    results.Add(("updates (submit + await, a round each)", updates, "/s", null, "", ">= 5000/s"));
    results.Add(("updates, heap copied (no host memory)", Rate(() => Update(old, oldCounter)), "/s", updates, "cow", ""));
}

// ---- two subnets against one ----
{
    using var instance = NewInstance(runtime, 2);
    var a = Install(instance, 0);
    var b = Install(instance, 1);
    const int Batch = 32;
    var one = Rate(() =>
    {
        for (var i = 0; i < Batch; i++) instance.Submit(caller, a.Id, "inc", noArgs, null);
        instance.Tick();
    }) * Batch;
    var two = Rate(() =>
    {
        for (var i = 0; i < Batch; i++)
        {
            instance.Submit(caller, a.Id, "inc", noArgs, null);
            instance.Submit(caller, b.Id, "inc", noArgs, null);
        }
        instance.Tick();
    }) * 2 * Batch;
    results.Add(($"updates, one subnet ({Batch} a round)", one, "/s", null, "", ""));
    results.Add(($"updates, two subnets ({Batch} each a round)", two, "/s", one, "one", "ratio >= 1.60"));

    var queryOne = Rate(() => Query(instance, a));
    var queryTwo = ParallelRate(() => Query(instance, a), () => Query(instance, b));
    results.Add(("queries, one canister, one thread", queryOne, "/s", null, "", ""));
    results.Add(("queries, two subnets, two threads", queryTwo, "/s", queryOne, "one", ""));
}

Console.WriteLine($"\nengine benchmark (Motoko counter, {seconds:F1} s per rate, {Environment.ProcessorCount} cores, copy-on-write heaps: {runtime.CopyOnWriteHeaps})");
Console.WriteLine($"{"measurement",-46} {"value",14} {"reference",14} {"ratio",7}   target");
foreach (var (name, value, unit, reference, referenceName, target) in results)
{
    var shown = unit == "ms" ? $"{value:F1} ms" : $"{value:F0}{unit}";
    var refShown = reference is { } r ? $"{r:F0}/s {referenceName}" : "";
    var ratio = reference is { } rr ? $"{value / rr:F2}" : "";
    Console.WriteLine($"{name,-46} {shown,14} {refShown,14} {ratio,7}   {target}");
}
return 0;

double Rate(Action action)
{
    for (var i = 0; i < 50; i++) action(); // warm-up: JIT, first faults
    var n = 0L;
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        for (var i = 0; i < 20; i++) action();
        n += 20;
    }
    return n / clock.Elapsed.TotalSeconds;
}

double ParallelRate(Action first, Action second)
{
    double a = 0, b = 0;
    Parallel.Invoke(() => a = Rate(first), () => b = Rate(second));
    return a + b;
}

// The limit: the same export invoked on the same instance with nothing around it (no snapshot, no rollback; the
// cdk query may run again on what it leaves, which Motoko's runtime refuses, so the limit is measured on cdk).
double RawRate(Canister canister, string method)
{
    var sandbox = canister.Sandbox!;
    return Rate(() =>
    {
        var api = new ApiContext
        {
            Entry = EntryPoint.Query, Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = 0,
            Argument = noArgs, Caller = caller, MethodName = method, InstructionLimit = 5_000_000_000,
        };
        if (sandbox.Run(api, "canister_query " + method) is { } failure) throw new InvalidOperationException(failure.Message);
    });
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
