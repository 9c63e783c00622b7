using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Events;
using Platform.IntegrationTests.Infrastructure;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;

namespace Platform.IntegrationTests.Gc;

/// <summary>
/// The platform end to end (Pinning and an IPFS node included) with garbage collection's periods cut to seconds.
/// Scheduled runs are off: each test runs GC when it means to (the soak test every second, alongside its pushes).
/// </summary>
public sealed class GcFixture : IAsyncLifetime
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan UploadExpiry = TimeSpan.FromSeconds(3);

    public PlatformStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await PlatformStack.StartAsync(ingestSettings: new Dictionary<string, string>
    {
        ["Gc:Enabled"] = "false",
        ["Gc:GracePeriod"] = GracePeriod.ToString(),
        ["Gc:UploadExpiry"] = UploadExpiry.ToString(),
    });

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class GcCollection : ICollectionFixture<GcFixture>
{
    public const string Name = "gc";
}

/// <summary>What the GC tests do and look at: runs, the content store's files, blob records, pins, the audit log.</summary>
public sealed class GcProbe(PlatformStack stack)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _ingest = new()
    {
        // POST /api/v1/admin/gc is Ingest's; the gateway routes it once its admin rule is in (see the README).
        BaseAddress = new Uri($"http://127.0.0.1:{stack.IngestPort}"),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromMinutes(2),
    };

    public PlatformProbe Platform { get; } = new(stack);

    public async Task<GcRun> RunAsync(bool dryRun = false)
    {
        using var response = await _ingest.PostAsync($"/api/v1/admin/gc{(dryRun ? "?dryRun=true" : "")}", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"gc run: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<GcRun>(text, Json)!;
    }

    /// <summary>Waits out the grace period (and a little), so what became garbage before now is old enough.</summary>
    public static Task PastGraceAsync() => Task.Delay(GcFixture.GracePeriod + TimeSpan.FromMilliseconds(500));

    public string BlobPath(string digest) => Path.Combine(stack.StorageRoot, "blobs", "sha256", digest[7..9], digest[7..]);

    public string UploadPath(Guid session) => Path.Combine(stack.StorageRoot, "uploads", session.ToString("N"));

    public static Guid SessionOf(Uri location) => Guid.ParseExact(location.AbsolutePath.Split('/')[^1], "N");

    /// <summary>digest -> length of every blob file in the content store.</summary>
    public Dictionary<string, long> BlobFiles() =>
        Directory.EnumerateFiles(Path.Combine(stack.StorageRoot, "blobs"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => $"{Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(f)))}:{Path.GetFileName(f)}", f => new FileInfo(f).Length);

    public async Task<BlobRecord?> BlobAsync(string digest) => await Platform.BlobAsync(digest);

    /// <summary>Every blob any manifest of any repository references (config and layers), from the read models.</summary>
    public async Task<HashSet<string>> ReachableAsync()
    {
        await using var query = stack.IngestServices.GetRequiredService<IDocumentStore>().QuerySession();
        var manifests = await query.Query<ManifestRecord>().ToListAsync();
        return manifests.SelectMany(m => m.Blobs).ToHashSet(StringComparer.Ordinal);
    }

    public async Task<IReadOnlyCollection<string>> PinsAsync() => await Platform.Ipfs().ListPinsAsync();

    /// <summary>Polls until <paramref name="done"/> holds; fails saying <paramref name="what"/> otherwise.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not within {within}: {what}");
            await Task.Delay(200);
        }
    }

    /// <summary>Audit entries with <paramref name="action"/>, newest first.</summary>
    public async Task<List<JsonElement>> AuditAsync(string action)
    {
        var page = await Platform.AuditAsync($"/api/v1/audit/events?action={Uri.EscapeDataString(action)}&limit=100");
        return [.. page.GetProperty("events").EnumerateArray()];
    }

    /// <summary>Pushes an image whose config and layers are given; returns its digest and manifest bytes.</summary>
    public static async Task<(string Digest, byte[] Body, List<string> Blobs)> PushImageAsync(RegistryClient client, string repo, string tag,
        byte[] config, IReadOnlyList<byte[]> layers)
    {
        var (pushed, refusal) = await TryPushImageAsync(client, repo, tag, config, layers);
        Assert.True(refusal is null, refusal);
        return pushed!.Value;
    }

    /// <summary>As <see cref="PushImageAsync"/>, but a manifest PUT refused as MANIFEST_BLOB_UNKNOWN is returned, not asserted.</summary>
    public static async Task<((string Digest, byte[] Body, List<string> Blobs)? Pushed, string? Refusal)> TryPushImageAsync(
        RegistryClient client, string repo, string tag, byte[] config, IReadOnlyList<byte[]> layers)
    {
        var configDigest = await client.PushBlobAsync(repo, config);
        var layerArray = new JsonArray();
        var blobs = new List<string> { configDigest };
        foreach (var layer in layers)
        {
            var digest = await client.PushBlobAsync(repo, layer);
            layerArray.Add(RegistryClient.Descriptor(RegistryClient.OciLayer, digest, layer.Length));
            blobs.Add(digest);
        }
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = RegistryClient.OciManifest,
            ["config"] = RegistryClient.Descriptor(RegistryClient.OciConfig, configDigest, config.Length),
            ["layers"] = layerArray,
        };
        var body = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        using var response = await client.PutManifestAsync(repo, tag, body, RegistryClient.OciManifest);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.BadRequest && text.Contains("MANIFEST_BLOB_UNKNOWN", StringComparison.Ordinal))
            return (null, $"manifest PUT {repo}:{tag}: {text}");
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"manifest PUT {repo}:{tag}: {(int)response.StatusCode} {text}");
        return ((RegistryClient.DigestOf(body), body, blobs), null);
    }

    public static byte[] Config(string name) => Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","name":"{{name}}"}""");
}

public sealed record GcRun(
    Guid RunId, bool DryRun, string RequestedBy, List<GcUnlinkedBlob> UnlinkedBlobs, List<GcDeletedBlob> DeletedBlobs,
    List<GcExpiredUpload> ExpiredUploads, List<GcFile> OrphanFiles, List<GcFile> TruncatedUploads, long BytesReclaimed);
