using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Canisters;

/// <summary>One version of a canister module as pushed: the manifest's digest and the module's uncompressed bytes.</summary>
public sealed record PushedVersion(string Digest, string ModuleHash, byte[] Wasm, string Branch, string? Tag, string Commit);

/// <summary>
/// Pushes canister module artifacts (the README's format) with the platform's own OCI client: the config blob, the
/// module layer (plain or gzip), then the manifest. The modules are the Motoko ones under dev/canisters/out.
/// </summary>
public static class CanisterArtifacts
{
    public const string ArtifactType = "application/vnd.platform.canister.v1";
    public const string ConfigMediaType = "application/vnd.platform.canister.config.v1+json";

    public static byte[] Module(string name) =>
        File.ReadAllBytes(System.IO.Path.Combine(RepositoryRoot.Path, "dev", "canisters", "out", name + ".wasm"));

    public static string ModulePath(string name) => System.IO.Path.Combine(RepositoryRoot.Path, "dev", "canisters", "out", name + ".wasm");

    /// <summary>A git-like commit id (40 hex digits) that differs per seed.</summary>
    public static string Commit(string seed) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(seed)));

    public static string HashOf(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// The module with a custom section of its own appended: still the same program, but bytes (and a layer) no other
    /// test shares, for tests that damage the stored copy.
    /// </summary>
    public static byte[] Unique(byte[] wasm, string seed)
    {
        var name = Encoding.UTF8.GetBytes("test:unique");
        var payload = Encoding.UTF8.GetBytes(seed);
        var content = new List<byte> { (byte)name.Length };
        content.AddRange(name);
        content.AddRange(payload);
        Assert.True(content.Count < 128, "one LEB128 byte for the section size");
        return [.. wasm, 0, (byte)content.Count, .. content];
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(bytes);
        return output.ToArray();
    }

    public static JsonObject Config(string name, string branch, string? tag, string commit, string moduleHash) => new()
    {
        ["name"] = name,
        ["branch"] = branch,
        ["tag"] = tag,
        ["commit"] = commit,
        ["moduleHash"] = moduleHash,
        ["candid"] = null,
        ["source"] = "https://example.com/shop.git",
        ["built"] = "2026-12-01T12:00:00Z",
        ["builder"] = "moc 4.10.0",
    };

    /// <summary>Pushes a version and asserts 201.</summary>
    public static async Task<PushedVersion> PushAsync(RegistryClient client, string repo, byte[] wasm, bool gzip, string branch,
        string? tag, string commit)
    {
        var (response, digest) = await TryPushAsync(client, repo, wasm, gzip, Config(repo, branch, tag, commit, HashOf(wasm)));
        using (response)
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"push failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return new PushedVersion(digest, HashOf(wasm), wasm, branch, tag, commit);
    }

    /// <summary>Pushes config and layer as given, then the manifest (by digest unless <paramref name="reference"/>).</summary>
    public static async Task<(HttpResponseMessage Response, string Digest)> TryPushAsync(RegistryClient client, string repo, byte[] layer,
        bool gzip, JsonObject config, string? reference = null, Action<JsonObject>? editManifest = null, string? layerMediaType = null)
    {
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var layerBytes = gzip ? Gzip(layer) : layer;
        var configDigest = await client.PushBlobAsync(repo, configBytes);
        var layerDigest = await client.PushBlobAsync(repo, layerBytes);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = RegistryClient.OciManifest,
            ["artifactType"] = ArtifactType,
            ["config"] = RegistryClient.Descriptor(ConfigMediaType, configDigest, configBytes.Length),
            ["layers"] = new JsonArray(RegistryClient.Descriptor(layerMediaType ?? (gzip ? "application/wasm+gzip" : "application/wasm"), layerDigest, layerBytes.Length)),
            ["annotations"] = new JsonObject
            {
                ["org.opencontainers.image.revision"] = config["commit"]?.DeepClone(),
                ["dev.platform.canister.branch"] = config["branch"]?.DeepClone(),
            },
        };
        editManifest?.Invoke(manifest);
        var body = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var digest = RegistryClient.DigestOf(body);
        return (await client.PutManifestAsync(repo, reference ?? digest, body, RegistryClient.OciManifest), digest);
    }

    /// <summary>The problem+json or OCI error body of a refusal, asserting its status.</summary>
    public static async Task<JsonElement> RefusalAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The MANIFEST_INVALID error's field, asserting the spec's error body.</summary>
    public static async Task<string> InvalidFieldAsync(HttpResponseMessage response)
    {
        var body = await RefusalAsync(response, HttpStatusCode.BadRequest);
        var error = body.GetProperty("errors")[0];
        Assert.Equal("MANIFEST_INVALID", error.GetProperty("code").GetString());
        var field = error.GetProperty("detail").GetProperty("field").GetString()!;
        Assert.Contains(field, error.GetProperty("message").GetString());
        return field;
    }
}
