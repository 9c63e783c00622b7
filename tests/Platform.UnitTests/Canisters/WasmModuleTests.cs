using System.Text;
using Platform.Canisters;

namespace Platform.UnitTests.Canisters;

public sealed class WasmModuleTests
{
    private static readonly byte[] Header = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00];

    private static byte[] Section(byte id, params byte[] content) => [id, (byte)content.Length, .. content];

    private static byte[] Custom(string name, string payload)
    {
        var n = Encoding.UTF8.GetBytes(name);
        return Section(0, [(byte)n.Length, .. n, .. Encoding.UTF8.GetBytes(payload)]);
    }

    // The Motoko counter committed under dev/canisters/out (built by the real compiler).
    private static string MotokoCounter()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Platform.sln")))
            dir = dir.Parent;
        return Path.Combine(dir.FullName, "dev", "canisters", "out", "counter.wasm");
    }

    [Fact]
    public void The_empty_module_is_well_formed()
    {
        Assert.True(WasmModule.TryRead(Header, out var module, out _));
        Assert.Null(module.CandidService);
    }

    [Fact]
    public void Candid_comes_from_the_public_or_the_private_section()
    {
        Assert.True(WasmModule.TryRead([.. Header, .. Custom("icp:public candid:service", "service : {}")], out var pub, out _));
        Assert.Equal("service : {}", pub.CandidService);
        Assert.True(WasmModule.TryRead([.. Header, .. Custom("icp:private candid:service", "service : { a: () -> () }")], out var priv, out _));
        Assert.Equal("service : { a: () -> () }", priv.CandidService);
    }

    [Fact]
    public void A_real_Motoko_module_has_its_candid_service()
    {
        var path = MotokoCounter();
        Assert.True(WasmModule.TryRead(File.ReadAllBytes(path), out var module, out var error), error);
        Assert.StartsWith("service : {", module.CandidService);
        Assert.Contains("icp:private enhanced-orthogonal-persistence", module.CustomSections);
    }

    [Theory]
    [InlineData(new byte[] { }, "header")]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x31, 0x7D, 0x0A }, "header")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00 }, "version")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x00 }, "past the end")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x0E, 0x00 }, "unknown section")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00 }, "out of order")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00 }, "out of order")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00 }, "functions")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x05, 0x61 }, "name")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F }, "past the end")]
    public void Other_bytes_are_refused_with_the_reason(byte[] bytes, string reason)
    {
        Assert.False(WasmModule.TryRead(bytes, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Two_icp_sections_of_one_name_are_refused()
    {
        byte[] wasm = [.. Header, .. Custom("icp:public candid:service", "a"), .. Custom("icp:public candid:service", "b")];
        Assert.False(WasmModule.TryRead(wasm, out _, out var error));
        Assert.Contains("two custom sections", error);
    }

    [Fact]
    public void A_truncated_Motoko_module_is_refused()
    {
        var path = MotokoCounter();
        var wasm = File.ReadAllBytes(path);
        Assert.False(WasmModule.TryRead(wasm.AsSpan(0, wasm.Length - 10), out _, out _));
    }

    [Fact]
    public void Gzip_bombs_stop_at_the_limit_and_bad_gzip_is_refused()
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i <= CanisterArtifact.MaxModuleBytes >> 20; i++)
                gzip.Write(zeros);
        }
        Assert.Null(ModuleBytes.Uncompressed(output.ToArray(), CanisterArtifact.GzipWasmMediaType, out var error));
        Assert.Contains("limit", error);
        Assert.Null(ModuleBytes.Uncompressed([1, 2, 3, 4], CanisterArtifact.GzipWasmMediaType, out error));
        Assert.Contains("gzip", error);
        Assert.Equal(Header, ModuleBytes.Uncompressed(Header, CanisterArtifact.WasmMediaType, out _));
    }
}
