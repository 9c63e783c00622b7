using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Cli.Canisters;

namespace Platform.UnitTests.Cli.Canisters;

public sealed class CanisterArtifactTests
{
    private static readonly byte[] EmptyModule = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

    private static CanisterArtifact Artifact(string branch = "main", string? tag = "v1.2.0", string? commit = "0123456789abcdef0123456789abcdef01234567", bool gzip = false) => new()
    {
        Name = "shop/ledger", Branch = branch, Tag = tag, Commit = commit, Source = "https://example.org/shop.git",
        Module = EmptyModule, Gzip = gzip, Built = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public void The_config_carries_the_metadata_and_the_hash_of_the_uncompressed_module()
    {
        var config = JsonDocument.Parse(Artifact(gzip: true).Config()).RootElement;
        Assert.Equal("shop/ledger", config.GetProperty("name").GetString());
        Assert.Equal("main", config.GetProperty("branch").GetString());
        Assert.Equal("v1.2.0", config.GetProperty("tag").GetString());
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(EmptyModule)), config.GetProperty("moduleHash").GetString());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("candid").ValueKind);
        Assert.StartsWith("platform-cli", config.GetProperty("builder").GetString());
    }

    [Fact]
    public void The_manifest_is_the_canister_artifact_with_its_annotations()
    {
        var artifact = Artifact(gzip: true);
        var config = artifact.Config();
        var layer = artifact.Layer();
        var manifest = JsonDocument.Parse(artifact.Manifest(config, layer)).RootElement;
        Assert.Equal("application/vnd.platform.canister.v1", manifest.GetProperty("artifactType").GetString());
        Assert.Equal("application/vnd.platform.canister.config.v1+json", manifest.GetProperty("config").GetProperty("mediaType").GetString());
        Assert.Equal(CanisterArtifact.Digest(config), manifest.GetProperty("config").GetProperty("digest").GetString());
        var only = Assert.Single(manifest.GetProperty("layers").EnumerateArray());
        Assert.Equal("application/wasm+gzip", only.GetProperty("mediaType").GetString());
        Assert.Equal(layer.Length, only.GetProperty("size").GetInt64());
        using var gunzip = new GZipStream(new MemoryStream(layer), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gunzip.CopyTo(plain);
        Assert.Equal(EmptyModule, plain.ToArray());
        var annotations = manifest.GetProperty("annotations");
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", annotations.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal("v1.2.0", annotations.GetProperty("org.opencontainers.image.version").GetString());
        Assert.Equal("main", annotations.GetProperty("dev.platform.canister.branch").GetString());
    }

    [Theory]
    [InlineData("main", "v1", "abc1234", new[] { "main-latest", "v1", "sha-abc1234" })]
    [InlineData("feature/login", null, null, new[] { "feature-login-latest" })]
    [InlineData(".hidden", "1.0+build", null, new[] { "_.hidden-latest", "1.0-build" })]
    public void Tags_are_generated_from_the_metadata_as_valid_oci_tags(string branch, string? tag, string? commit, string[] expected)
    {
        var tags = Artifact(branch, tag, commit).Tags();
        Assert.Equal(expected, tags);
        Assert.All(tags, t => Assert.Matches("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$", t));
    }

    [Fact]
    public void A_module_is_recognised_by_its_header()
    {
        Assert.True(CanisterArtifact.IsWasm(EmptyModule));
        Assert.False(CanisterArtifact.IsWasm("not wasm"u8));
        Assert.False(CanisterArtifact.IsWasm(EmptyModule.AsSpan(0, 4)));
    }
}
