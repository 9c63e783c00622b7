using Platform.Engine.Runtime;
using Platform.Engine.SystemApi;

namespace Platform.EngineTests.Runtime;

public sealed class WasmModuleRewriterTests
{
    [Fact]
    public void The_start_function_becomes_canister_start_and_mutable_globals_are_exported()
    {
        var (rewritten, info) = WasmModuleRewriter.Rewrite(Fixtures.Wasm("start"));

        Assert.True(info.HasStart);
        Assert.Contains(WasmModuleRewriter.StartExport, info.Exports);
        Assert.Equal([$"{WasmModuleRewriter.GlobalExportPrefix}0"], info.GlobalExports);
        Assert.Equal(WasmModuleRewriter.MemoryExportName, info.MemoryExport);

        // The rewritten module has no start section left: rewriting it again finds none, and keeps the exports.
        var (_, again) = WasmModuleRewriter.Rewrite(rewritten);
        Assert.False(again.HasStart);
        Assert.Contains(WasmModuleRewriter.StartExport, again.Exports);
    }

    [Theory]
    [InlineData("counter", true)]
    [InlineData("counter_classic", false)]
    public void Motoko_modules_import_only_what_the_engine_provides(string fixture, bool memory64)
    {
        var (_, info) = WasmModuleRewriter.Rewrite(Fixtures.Wasm(fixture));

        Assert.Equal(memory64, info.IsMemory64);
        Assert.Null(SystemApiImports.Validate(info));
        Assert.Equal(30, info.Imports.Count);
        Assert.True(info.GlobalExports.Count > 10, $"Motoko has many mutable globals, found {info.GlobalExports.Count}");
        Assert.Contains("canister_start", info.Exports);
        Assert.Equal(memory64, info.CustomSections.ContainsKey("icp:private enhanced-orthogonal-persistence"));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x7f })]
    public void Anything_but_a_wasm_module_is_refused_with_a_message(byte[] bytes)
    {
        var e = Assert.Throws<InvalidWasmException>(() => WasmModuleRewriter.Rewrite(bytes));
        Assert.StartsWith("Failed to decode wasm module", e.Message);
    }
}
