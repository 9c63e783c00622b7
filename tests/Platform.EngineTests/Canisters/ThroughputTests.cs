using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Engine.Runtime;
using Xunit.Abstractions;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Canisters;

/// <summary>Rough rates on the Motoko counter, printed for the record; the floors only catch a collapse.</summary>
public sealed class ThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public void Compile_instantiate_update_and_query_rates()
    {
        var wasm = Fixtures.Wasm("counter");
        using var cold = new WasmRuntime(null, NullLogger<WasmRuntime>.Instance);
        var clock = Stopwatch.StartNew();
        var module = cold.Compile(wasm);
        var compile = clock.Elapsed;
        clock.Restart();
        using (CanisterSandboxFactory(cold, module)) { }
        var instantiate = clock.Elapsed;

        using var engine = new EngineHarness();
        clock.Restart();
        var counter = engine.Install(wasm, Nat(0));
        var install = clock.Elapsed;

        const int updates = 300, queries = 1000;
        clock.Restart();
        for (var i = 0; i < updates; i++) Reply(engine.Update(Alice, counter, "inc", NoArgs));
        var updateRate = updates / clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (var i = 0; i < queries; i++) Reply(engine.Query(Alice, counter, "get", NoArgs));
        var queryRate = queries / clock.Elapsed.TotalSeconds;
        var heap = engine.Instance.FindCanister(counter)!.Sandbox!.HeapBytes;

        output.WriteLine($"compile {compile.TotalMilliseconds:F0} ms, instantiate {instantiate.TotalMilliseconds:F1} ms, cached install {install.TotalMilliseconds:F1} ms, heap {heap / 1024} KiB");
        output.WriteLine($"updates {updateRate:F0}/s (submit + await, one round each), queries {queryRate:F0}/s");
        Assert.Equal(updates, DecodeNat(Reply(engine.Query(Alice, counter, "get", NoArgs))));
        Assert.True(updateRate > 50, $"updates/s {updateRate:F0}");
        Assert.True(queryRate > 50, $"queries/s {queryRate:F0}");
    }

    private static IDisposable CanisterSandboxFactory(WasmRuntime runtime, CompiledModule module) =>
        CanisterSandbox.Instantiate(runtime, module, new Platform.Engine.Canisters.StableMemory(), 0);
}
