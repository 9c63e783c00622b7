using Microsoft.Extensions.Logging.Abstractions;
using Platform.Engine.Runtime;

namespace Platform.EngineTests.Runtime;

public sealed class WasmRuntimeTests
{
    [Fact]
    public void A_module_importing_something_else_is_refused()
    {
        var e = Assert.Throws<InvalidWasmException>(() => EngineHarness.Runtime.Compile(Fixtures.Wasm("bad_import")));
        Assert.Contains("Module imports function 'fd_write' from 'env' that is not exported by the runtime", e.Message);
    }

    [Fact]
    public void A_system_api_import_with_the_wrong_signature_is_refused()
    {
        var e = Assert.Throws<InvalidWasmException>(() => EngineHarness.Runtime.Compile(Fixtures.Wasm("bad_signature")));
        Assert.Contains("'msg_reply_data_append'", e.Message);
        Assert.Contains("expected (i32, i32) -> ()", e.Message);
    }

    [Fact]
    public void An_oversized_module_is_refused_before_parsing()
    {
        var e = Assert.Throws<InvalidWasmException>(() => EngineHarness.Runtime.Compile(new byte[WasmRuntime.MaxModuleBytes + 1]));
        Assert.Contains("exceeds the limit", e.Message);
    }

    [Fact]
    public void Compiled_modules_are_cached_by_hash_in_memory_and_on_disk()
    {
        var directory = Directory.CreateTempSubdirectory("engine-cache-");
        try
        {
            var wasm = Fixtures.Wasm("cdk");
            using (var first = new WasmRuntime(directory.FullName, NullLogger<WasmRuntime>.Instance))
            {
                var module = first.Compile(wasm);
                Assert.Same(module, first.Compile((byte[])wasm.Clone()));
                Assert.Equal(System.Security.Cryptography.SHA256.HashData(wasm), module.Hash);
            }
            var cached = Assert.Single(directory.GetFiles("*.cwasm"));
            Assert.True(cached.Length > 0);

            using var second = new WasmRuntime(directory.FullName, NullLogger<WasmRuntime>.Instance);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var loaded = second.Compile(wasm);
            Assert.True(loaded.Exports("canister_update bump"));
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
