using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Cli.Canisters;

/// <summary>
/// A canister module as the platform's OCI artifact (see the README's "Canister modules"): a config blob with
/// the module's metadata and its SHA-256 module hash, one layer with the module (as it is, or gzipped), the
/// standard annotations, and the tags generated from the metadata.
/// </summary>
internal sealed class CanisterArtifact
{
    public const string ArtifactType = "application/vnd.platform.canister.v1";
    public const string ConfigMediaType = "application/vnd.platform.canister.config.v1+json";
    public const string WasmMediaType = "application/wasm";
    public const string GzipWasmMediaType = "application/wasm+gzip";
    private static readonly byte[] WasmMagic = [0x00, 0x61, 0x73, 0x6d];

    public required string Name { get; init; }
    public required string Branch { get; init; }
    public string? Tag { get; init; }
    public string? Commit { get; init; }
    public string? Source { get; init; }
    public string? Candid { get; init; }
    public required byte[] Module { get; init; }
    public bool Gzip { get; init; }
    public DateTimeOffset Built { get; init; } = DateTimeOffset.UtcNow;

    public static bool IsWasm(ReadOnlySpan<byte> bytes) => bytes.Length >= 8 && bytes[..4].SequenceEqual(WasmMagic);

    public string ModuleHash => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Module));

    public byte[] Layer() => Gzip ? Gzipped(Module) : Module;

    public string LayerMediaType => Gzip ? GzipWasmMediaType : WasmMediaType;

    public byte[] Config() => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["name"] = Name,
        ["branch"] = Branch,
        ["tag"] = Tag,
        ["commit"] = Commit,
        ["moduleHash"] = ModuleHash,
        ["candid"] = Candid,
        ["source"] = Source,
        ["built"] = Built.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["builder"] = $"platform-cli {typeof(CanisterArtifact).Assembly.GetName().Version?.ToString(3)}",
    }.ToJsonString());

    public byte[] Manifest(byte[] config, byte[] layer)
    {
        var annotations = new JsonObject
        {
            ["org.opencontainers.image.created"] = Built.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["dev.platform.canister.branch"] = Branch,
        };
        if (Commit is not null)
            annotations["org.opencontainers.image.revision"] = Commit;
        if (Tag is not null)
            annotations["org.opencontainers.image.version"] = Tag;
        if (Source is not null)
            annotations["org.opencontainers.image.source"] = Source;
        return Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["artifactType"] = ArtifactType,
            ["config"] = Descriptor(ConfigMediaType, config),
            ["layers"] = new JsonArray(Descriptor(LayerMediaType, layer)),
            ["annotations"] = annotations,
        }.ToJsonString());
    }

    /// <summary>The OCI tags of this version: the branch head, the tag, the commit.</summary>
    public IReadOnlyList<string> Tags()
    {
        var tags = new List<string> { TagSafe(Branch) + "-latest" };
        if (Tag is not null)
            tags.Add(TagSafe(Tag));
        if (Commit is not null)
            tags.Add("sha-" + Commit);
        return tags.Distinct().ToList();
    }

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    // An OCI tag is [A-Za-z0-9_][A-Za-z0-9._-]{0,127}: a branch like feature/x becomes feature-x.
    private static string TagSafe(string text)
    {
        var safe = new string(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-').ToArray());
        if (safe.Length == 0 || !(char.IsAsciiLetterOrDigit(safe[0]) || safe[0] == '_'))
            safe = "_" + safe;
        return safe.Length > 119 ? safe[..119] : safe;
    }

    private static JsonObject Descriptor(string mediaType, byte[] bytes) =>
        new() { ["mediaType"] = mediaType, ["digest"] = Digest(bytes), ["size"] = bytes.LongLength };

    private static byte[] Gzipped(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(bytes);
        return buffer.ToArray();
    }
}
