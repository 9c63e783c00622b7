using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// Writes OCI image layouts (oci-layout, index.json, blobs/sha256/...) that skopeo can copy from, with real
/// gzipped tar layers, so end-to-end tests push genuine images without any daemon.
/// </summary>
public sealed class OciLayout
{
    public string Root { get; }
    private readonly List<JsonObject> _index = [];
    private readonly Dictionary<string, string> _diffIds = [];

    public OciLayout(string root)
    {
        Root = root;
        Directory.CreateDirectory(Path.Combine(root, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(root, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
    }

    public sealed record Descriptor(string MediaType, string Digest, long Size)
    {
        public JsonObject ToJson() => new() { ["mediaType"] = MediaType, ["digest"] = Digest, ["size"] = Size };
    }

    public Descriptor AddBlob(byte[] bytes, string mediaType)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        File.WriteAllBytes(Path.Combine(Root, "blobs", "sha256", digest[7..]), bytes);
        return new Descriptor(mediaType, digest, bytes.LongLength);
    }

    /// <summary>A gzipped tar layer holding one file of <paramref name="size"/> seeded random bytes.</summary>
    public Descriptor AddLayer(string fileName, int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        using var tarBytes = new MemoryStream();
        using (var tar = new TarWriter(tarBytes, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, fileName)
            {
                DataStream = new MemoryStream(data),
                ModificationTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            };
            tar.WriteEntry(entry);
        }
        using var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(tarBytes.ToArray());
        var layer = AddBlob(gz.ToArray(), "application/vnd.oci.image.layer.v1.tar+gzip");
        _diffIds[layer.Digest] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(tarBytes.ToArray()));
        return layer;
    }

    /// <summary>An image manifest for <paramref name="architecture"/> with the given layers.</summary>
    public Descriptor AddImage(string architecture, IReadOnlyList<Descriptor> layers, int seed)
    {
        var config = new JsonObject
        {
            ["architecture"] = architecture,
            ["os"] = "linux",
            ["created"] = "2026-01-01T00:00:00Z",
            ["config"] = new JsonObject { ["Env"] = new JsonArray($"SEED={seed}") },
            ["rootfs"] = new JsonObject
            {
                ["type"] = "layers",
                // The uncompressed tars' digests: podman checks them when it unpacks the layers.
                ["diff_ids"] = new JsonArray(layers.Select(l => (JsonNode)_diffIds[l.Digest]).ToArray()),
            },
        };
        var configDescriptor = AddBlob(Encoding.UTF8.GetBytes(config.ToJsonString()), "application/vnd.oci.image.config.v1+json");
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = configDescriptor.ToJson(),
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)l.ToJson()).ToArray()),
        };
        return AddBlob(Encoding.UTF8.GetBytes(manifest.ToJsonString()), "application/vnd.oci.image.manifest.v1+json");
    }

    public Descriptor AddIndex(IReadOnlyList<(Descriptor Manifest, string Architecture)> manifests)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(manifests.Select(m =>
            {
                var d = m.Manifest.ToJson();
                d["platform"] = new JsonObject { ["architecture"] = m.Architecture, ["os"] = "linux" };
                return (JsonNode)d;
            }).ToArray()),
        };
        return AddBlob(Encoding.UTF8.GetBytes(index.ToJsonString()), "application/vnd.oci.image.index.v1+json");
    }

    /// <summary>Names <paramref name="descriptor"/> <paramref name="tag"/> in index.json (skopeo's oci:DIR:TAG).</summary>
    public void Tag(Descriptor descriptor, string tag)
    {
        var entry = descriptor.ToJson();
        entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        _index.Add(entry);
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(_index.Select(e => (JsonNode)JsonNode.Parse(e.ToJsonString())!).ToArray()),
        };
        File.WriteAllText(Path.Combine(Root, "index.json"), index.ToJsonString());
    }

    /// <summary>The digest index.json names <paramref name="tag"/>.</summary>
    public static string DigestOf(string root, string tag)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "index.json")));
        foreach (var m in doc.RootElement.GetProperty("manifests").EnumerateArray())
            if (m.TryGetProperty("annotations", out var a) && a.TryGetProperty("org.opencontainers.image.ref.name", out var n) && n.GetString() == tag)
                return m.GetProperty("digest").GetString()!;
        throw new InvalidOperationException($"tag {tag} not in {root}/index.json");
    }
}
