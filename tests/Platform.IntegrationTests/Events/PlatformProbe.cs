using System.Security.Cryptography;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.IntegrationTests.Infrastructure;
using Platform.Ipfs;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;

namespace Platform.IntegrationTests.Events;

/// <summary>What the event-driven tests look at: blob pin state, the IPFS node, and the audit API.</summary>
public sealed class PlatformProbe(PlatformStack stack)
{
    private IDocumentStore Store => stack.IngestServices.GetRequiredService<IDocumentStore>();

    public async Task<BlobRecord?> BlobAsync(string digest)
    {
        await using var query = Store.QuerySession();
        return await query.LoadAsync<BlobRecord>(StreamKeys.Blob(digest));
    }

    public async Task<ManifestPin?> ManifestPinAsync(string digest)
    {
        await using var query = Store.QuerySession();
        return await query.LoadAsync<ManifestPin>(StreamKeys.ManifestPin(digest));
    }

    /// <summary>Removes a manifest's record in one repository, as a lost or damaged document would be.</summary>
    public async Task LoseManifestRecordAsync(string repository, string digest)
    {
        await using var session = Store.LightweightSession();
        session.Delete<ManifestRecord>(StreamKeys.Manifest(repository, digest));
        await session.SaveChangesAsync();
    }

    /// <summary>Waits until every digest is pinned with a CID; returns digest -> CID.</summary>
    public async Task<Dictionary<string, string>> WaitPinnedAsync(IEnumerable<string> digests, TimeSpan within)
    {
        var wanted = digests.Distinct().ToList();
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var cids = new Dictionary<string, string>();
            foreach (var digest in wanted)
                if (await BlobAsync(digest) is { Pinned: true, Cid: { } cid })
                    cids[digest] = cid;
            if (cids.Count == wanted.Count)
                return cids;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{wanted.Count - cids.Count} of {wanted.Count} blobs not pinned within {within}:\n{stack.Pinning.Output}");
            await Task.Delay(100);
        }
    }

    public KuboClient Ipfs(string? url = null) =>
        new(new HttpClient { BaseAddress = new Uri(url ?? stack.IpfsUrl) }, Options.Create(new KuboOptions { ApiUrl = url ?? stack.IpfsUrl }));

    public static async Task<string> Sha256Async(Stream content)
    {
        await using (content)
            return "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(content));
    }

    /// <summary>GET on the audit API through the gateway.</summary>
    public async Task<JsonElement> AuditAsync(string pathAndQuery)
    {
        using var response = await stack.Gateway.GetAsync(pathAndQuery);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{pathAndQuery}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>All audit entries of a repository, oldest first.</summary>
    public async Task<List<JsonElement>> AuditOfAsync(string repository)
    {
        var entries = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await AuditAsync($"/api/v1/audit/events?repository={Uri.EscapeDataString(repository)}&limit=100" +
                                        (cursor is null ? "" : $"&cursor={cursor}"));
            entries.AddRange(page.GetProperty("events").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
        entries.Reverse();
        return entries;
    }

    public async Task<List<JsonElement>> WaitAuditAsync(string repository, Func<List<JsonElement>, bool> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var entries = await AuditOfAsync(repository);
            if (done(entries))
                return entries;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"audit of {repository} incomplete after {within}: {string.Join(", ", entries.Select(e => e.GetProperty("action").GetString()))}");
            await Task.Delay(200);
        }
    }
}
