using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.Ingest.Storage;
using Platform.IntegrationTests.Auth;
using Platform.IntegrationTests.Distribution;

namespace Platform.IntegrationTests.Namespaces;

/// <summary>
/// quotaBytes: a push that would take the namespace past its quota is refused with DENIED before its bytes are
/// stored; usage is the distinct blobs its repositories link (a shared layer once).
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class QuotaTests(AuthFixture auth)
{
    [Fact]
    public async Task A_push_over_quota_is_refused_and_nothing_is_stored()
    {
        var (ns, client) = await NamespaceAsync(quota: 1000);
        var blob = RegistryClient.RandomBytes(2000, seed: 1501);
        var digest = RegistryClient.DigestOf(blob);

        using var refused = await client.Http.PostAsync($"/v2/{ns}/app/blobs/uploads/?digest={digest}", RegistryClient.Octets(blob));

        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("errors")[0];
        Assert.Equal("DENIED", error.GetProperty("code").GetString());
        Assert.Contains("quota 1000 bytes", error.GetProperty("message").GetString());
        Assert.Contains("usage 0 bytes", error.GetProperty("message").GetString());
        using var head = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{ns}/app/blobs/{digest}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.False(File.Exists(Path.Combine(auth.StorageRoot, ContentStore.RelativeBlobPath(digest))), "the refused blob was stored");
        Assert.Equal(0, (await UsageAsync(ns)).Bytes);
    }

    [Fact]
    public async Task A_push_under_quota_is_accepted_and_counted()
    {
        var (ns, client) = await NamespaceAsync(quota: 1000);
        var digest = await client.PushBlobAsync($"{ns}/app", RegistryClient.RandomBytes(600, seed: 1502));
        using var head = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{ns}/app/blobs/{digest}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal((600, 1), await UsageAsync(ns));
    }

    [Fact]
    public async Task Layers_shared_by_repositories_of_a_namespace_count_once()
    {
        var (ns, client) = await NamespaceAsync(quota: null);
        await client.PushImageAsync($"{ns}/one", "v1", seed: 1503);
        await client.PushImageAsync($"{ns}/two", "v1", seed: 1503);
        await client.PushBlobAsync($"{ns}/two", RegistryClient.RandomBytes(100, seed: 1504));

        using var admin = auth.Admin();
        var one = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/repositories/{ns}/one");
        var oneSize = one.GetProperty("size").GetInt64();
        Assert.Equal(3, one.GetProperty("blobs").GetArrayLength());
        // The config and two layers once, and the blob only "two" has.
        Assert.Equal((oneSize + 100, 4), await UsageAsync(ns));
    }

    [Fact]
    public async Task A_quota_lowered_below_usage_refuses_the_next_push_and_keeps_what_is_there()
    {
        var (ns, client) = await NamespaceAsync(quota: null);
        var kept = RegistryClient.RandomBytes(1000, seed: 1505);
        var keptDigest = await client.PushBlobAsync($"{ns}/app", kept);
        using var admin = auth.Admin();
        using (var lowered = await admin.PatchAsJsonAsync($"/api/v1/namespaces/{ns}", new { quotaBytes = 500 }))
            Assert.Equal(HttpStatusCode.OK, lowered.StatusCode);

        var small = RegistryClient.RandomBytes(10, seed: 1506);
        using var refused = await client.Http.PostAsync($"/v2/{ns}/other/blobs/uploads/?digest={RegistryClient.DigestOf(small)}", RegistryClient.Octets(small));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("usage 1000 bytes", await refused.Content.ReadAsStringAsync());

        // What is there stays, and pushing it again adds nothing: it passes.
        using var pulled = await client.Http.GetAsync($"/v2/{ns}/app/blobs/{keptDigest}");
        Assert.Equal(kept, await pulled.Content.ReadAsByteArrayAsync());
        Assert.Equal(keptDigest, await client.PushBlobAsync($"{ns}/app", kept));
        Assert.Equal((1000, 1), await UsageAsync(ns));
    }

    [Fact]
    public async Task A_chunked_upload_is_weighed_with_what_it_received_so_far()
    {
        var (ns, client) = await NamespaceAsync(quota: 1500);
        var blob = RegistryClient.RandomBytes(1400, seed: 1507);
        var location = await client.StartUploadAsync($"{ns}/app");
        using (var first = await client.PatchAsync(location, blob[..1000], 0))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        // 1000 received + 1000 more would pass 1500.
        using (var over = await client.PatchAsync(location, RegistryClient.RandomBytes(1000, seed: 1508), 1000))
        {
            Assert.Equal(HttpStatusCode.Forbidden, over.StatusCode);
            Assert.Contains("this upload 2000 bytes", await over.Content.ReadAsStringAsync());
        }

        // The session is intact: finishing with what fits (1400 in all) is accepted.
        using var done = await client.CompleteAsync(location, RegistryClient.DigestOf(blob), blob[1000..]);
        Assert.Equal(HttpStatusCode.Created, done.StatusCode);
        Assert.Equal((1400, 1), await UsageAsync(ns));
    }

    [Fact]
    public async Task A_chunk_without_length_is_cut_where_the_quota_ends()
    {
        var (ns, client) = await NamespaceAsync(quota: 1000);
        var location = await client.StartUploadAsync($"{ns}/app");
        // A stream of unknown length goes out chunked: no Content-Length to weigh beforehand.
        var content = new StreamContent(new NonSeekable(RegistryClient.RandomBytes(5000, seed: 1509)));
        content.Headers.ContentType = new("application/octet-stream");
        HttpStatusCode? status = null;
        try
        {
            using var response = await client.Http.PatchAsync(location, content);
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The server stopped reading: as good as a refusal.
        }
        Assert.NotEqual(HttpStatusCode.Accepted, status);

        // Whatever the session kept is within the quota.
        using var state = await client.Http.GetAsync(location);
        var range = state.Headers.TryGetValues("Range", out var values) ? values.First() : "0-0";
        Assert.True(long.Parse(range.Split('-')[1]) < 1000, $"the session holds {range}");
        Assert.Equal(0, (await UsageAsync(ns)).Bytes);
    }

    /// <summary>A stream that does not tell its length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    private async Task<(string Ns, RegistryClient Client)> NamespaceAsync(long? quota)
    {
        var ns = $"quota{Guid.NewGuid():N}"[..18];
        using var admin = auth.Admin();
        using var created = await admin.PostAsJsonAsync("/api/v1/namespaces", new { name = ns, quotaBytes = quota });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var scopes = new[] { "app", "one", "two", "other" }.Select(r => $"repository:{ns}/{r}:pull,push").ToArray();
        return (ns, new RegistryClient(auth.WithToken(await auth.TokenAsync("admin", AuthFixture.AdminPassword, scopes))));
    }

    private async Task<(long Bytes, int Blobs)> UsageAsync(string ns)
    {
        using var admin = auth.Admin();
        var usage = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/namespaces/{ns}")).GetProperty("usage");
        return (usage.GetProperty("bytes").GetInt64(), usage.GetProperty("blobs").GetInt32());
    }
}
