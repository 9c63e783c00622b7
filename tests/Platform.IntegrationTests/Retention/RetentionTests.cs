using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Gc;
using Platform.Registry.Events;
using static Platform.IntegrationTests.Distribution.RegistryClient;

namespace Platform.IntegrationTests.Retention;

/// <summary>
/// A namespace's retention rules, set through the gateway and applied by garbage-collection runs: the dry run
/// lists what the run then deletes, the kept tags pull and the deleted ones are MANIFEST_UNKNOWN, untagged old
/// manifests go and young ones stay, and the sweeps of later runs reclaim the blobs only the deleted manifests had.
/// </summary>
[Collection(GcCollection.Name)]
public sealed class RetentionTests(GcFixture fixture)
{
    // Long enough that the young manifest pushed after the wait is still young when the run (after a dry run) starts.
    private static readonly TimeSpan UntaggedAge = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly RegistryClient _client = new(fixture.Stack.Gateway);
    private readonly GcProbe _gc = new(fixture.Stack);
    private readonly HttpClient _ingest = new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{fixture.Stack.IngestPort}"),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromMinutes(2),
    };

    private static string UniqueNamespace() => $"ret{Guid.NewGuid():N}"[..16];

    [Fact]
    public async Task A_dry_run_lists_exactly_what_the_run_deletes_and_the_sweeps_reclaim_the_blobs_afterwards()
    {
        var ns = UniqueNamespace();
        var repo = $"{ns}/app";
        await PutRulesAsync(ns, $$"""{"keepLastTags":{"pattern":"^pr-","count":2},"untaggedOlderThan":"{{UntaggedAge.TotalSeconds}}s"}""");

        var shared = RandomBytes(20_000, 100);
        var images = new Dictionary<string, (string Digest, List<string> Blobs)>();
        foreach (var tag in new[] { "pr-1", "pr-2", "pr-3", "pr-4", "stable" })
        {
            var (digest, _, blobs) = await GcProbe.PushImageAsync(_client, repo, tag, GcProbe.Config($"{ns}-{tag}"),
                [shared, RandomBytes(30_000, 100 + tag.GetHashCode())]);
            images[tag] = (digest, blobs);
        }
        var old = await PushUntaggedAsync(repo, "old", [shared, RandomBytes(25_000, 200)]);
        await Task.Delay(UntaggedAge + TimeSpan.FromSeconds(1));
        var young = await PushUntaggedAsync(repo, "young", [shared, RandomBytes(25_000, 201)]);

        var dry = await RunAsync(dryRun: true);
        var planned = Assert.Single(dry.Retention!, r => r.Repository == repo);
        Assert.Equal(["pr-1", "pr-2"], planned.Tags);
        // pr-1's and pr-2's manifests are untagged once their tags go, and were pushed before the cutoff.
        Assert.Equal(new[] { images["pr-1"].Digest, images["pr-2"].Digest, old.Digest }.Order(StringComparer.Ordinal), planned.Manifests);
        // A dry run deletes nothing.
        await AssertPullsAsync(repo, "pr-1");
        await AssertPullsAsync(repo, old.Digest);

        var run = await RunAsync(dryRun: false);
        var applied = Assert.Single(run.Retention!, r => r.Repository == repo);
        Assert.Equal(planned.Tags, applied.Tags);
        Assert.Equal(planned.Manifests, applied.Manifests);

        foreach (var kept in new[] { "pr-3", "pr-4", "stable", young.Digest, images["pr-3"].Digest })
            await AssertPullsAsync(repo, kept);
        foreach (var gone in new[] { "pr-1", "pr-2", images["pr-1"].Digest, images["pr-2"].Digest, old.Digest })
            await AssertManifestUnknownAsync(repo, gone);

        // Each deletion is in the audit log as retention's.
        var audit = await _gc.Platform.WaitAuditAsync(repo,
            e => e.Count(x => x.GetProperty("action").GetString() is "tag.deleted" or "manifest.deleted") >= 5, Settle);
        var deletions = audit.Where(x => x.GetProperty("action").GetString() is "tag.deleted" or "manifest.deleted").ToList();
        Assert.All(deletions, x => Assert.Equal("system:retention", x.GetProperty("actor").GetString()));
        Assert.Equal(2, deletions.Count(x => x.GetProperty("action").GetString() == "tag.deleted"));
        Assert.Equal(3, deletions.Count(x => x.GetProperty("action").GetString() == "manifest.deleted"));
        // The run's summary in the audit log carries the counts.
        await GcProbe.WaitUntilAsync(async () => (await _gc.AuditAsync("gc.completed")).Any(e =>
                e.GetProperty("tag").GetString() is { } line && line.Contains($"run={run.RunId:N} ", StringComparison.Ordinal)
                && line.Contains("retention-tags=2 retention-manifests=3", StringComparison.Ordinal)),
            Settle, "gc.completed with the retention counts in the audit log");

        // The blobs only the deleted manifests referenced: unlinked by a run after the grace period, deleted by the next.
        var onlyDeleted = new[] { images["pr-1"].Blobs, images["pr-2"].Blobs, old.Blobs }.SelectMany(b => b)
            .Except(new[] { images["pr-3"].Blobs, images["pr-4"].Blobs, images["stable"].Blobs, young.Blobs }.SelectMany(b => b))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(6, onlyDeleted.Count); // a config and a layer each
        Assert.All(onlyDeleted, d => Assert.True(File.Exists(_gc.BlobPath(d)), $"{d} went before the grace period"));
        await GcProbe.PastGraceAsync();
        var unlinking = await RunAsync(dryRun: false);
        Assert.Equal(onlyDeleted.Order(StringComparer.Ordinal), unlinking.UnlinkedBlobs.Where(b => b.Repository == repo).Select(b => b.Digest).Order(StringComparer.Ordinal));
        await GcProbe.PastGraceAsync();
        var deleting = await RunAsync(dryRun: false);
        Assert.Superset(onlyDeleted, deleting.DeletedBlobs.Select(b => b.Digest).ToHashSet(StringComparer.Ordinal));
        Assert.All(onlyDeleted, d => Assert.False(File.Exists(_gc.BlobPath(d)), $"{d} is still in the content store"));
        Assert.True(File.Exists(_gc.BlobPath(ConfigDigest(images["stable"].Blobs))), "a kept image's blob went");
        Assert.True(File.Exists(_gc.BlobPath(DigestOf(shared))), "the shared layer went");
        await AssertPullsAsync(repo, "stable");
    }

    [Fact]
    public async Task A_namespace_without_rules_is_untouched()
    {
        var (withRules, without) = (UniqueNamespace(), UniqueNamespace());
        await PutRulesAsync(withRules, """{"keepLastTags":{"pattern":".*","count":0},"untaggedOlderThan":"1s"}""");
        var repo = $"{without}/app";
        var tagged = await GcProbe.PushImageAsync(_client, repo, "pr-1", GcProbe.Config($"{without}-1"), [RandomBytes(10_000, 300)]);
        var untagged = await PushUntaggedAsync(repo, "untagged", [RandomBytes(10_000, 301)]);
        var ruled = await PushUntaggedAsync($"{withRules}/app", "ruled", [RandomBytes(10_000, 302)]);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var run = await RunAsync(dryRun: false);

        Assert.DoesNotContain(run.Retention!, r => r.Repository == repo);
        await AssertPullsAsync(repo, "pr-1");
        await AssertPullsAsync(repo, tagged.Digest);
        await AssertPullsAsync(repo, untagged.Digest);
        // The same run did apply the other namespace's rules.
        Assert.Contains(run.Retention!, r => r.Repository == $"{withRules}/app" && r.Manifests.Contains(ruled.Digest));
        await AssertManifestUnknownAsync($"{withRules}/app", ruled.Digest);
    }

    [Fact]
    public async Task Rules_read_back_as_stored_and_a_bad_one_is_a_400_naming_the_field()
    {
        var ns = UniqueNamespace();
        using (var empty = await _client.Http.GetAsync($"/api/v1/namespaces/{ns}/retention"))
        {
            var body = JsonNode.Parse(await empty.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
            Assert.Null(body["keepLastTags"]);
            Assert.Null(body["untaggedOlderThan"]);
        }
        await PutRulesAsync(ns, """{"keepLastTags":{"pattern":"^pr-","count":5},"untaggedOlderThan":"7d"}""");
        var stored = JsonNode.Parse(await _client.Http.GetStringAsync($"/api/v1/namespaces/{ns}/retention"))!;
        Assert.Equal("^pr-", stored["keepLastTags"]!["pattern"]!.GetValue<string>());
        Assert.Equal(5, stored["keepLastTags"]!["count"]!.GetValue<int>());
        Assert.Equal("7.00:00:00", stored["untaggedOlderThan"]!.GetValue<string>());

        using var bad = await _client.Http.PutAsync($"/api/v1/namespaces/{ns}/retention", JsonBody("""{"keepLastTags":{"pattern":"[a-","count":5}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Contains("keepLastTags.pattern", await bad.Content.ReadAsStringAsync());
        // The bad rule replaced nothing.
        var after = JsonNode.Parse(await _client.Http.GetStringAsync($"/api/v1/namespaces/{ns}/retention"))!;
        Assert.Equal("^pr-", after["keepLastTags"]!["pattern"]!.GetValue<string>());
    }

    private async Task PutRulesAsync(string ns, string rules)
    {
        // Through the gateway: the route is the gateway's, the answer Ingest's.
        using var response = await _client.Http.PutAsync($"/api/v1/namespaces/{ns}/retention", JsonBody(rules));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT retention: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<RetentionRun> RunAsync(bool dryRun)
    {
        using var response = await _ingest.PostAsync($"/api/v1/admin/gc{(dryRun ? "?dryRun=true" : "")}", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"gc run: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<RetentionRun>(text, Json)!;
    }

    /// <summary>Pushes an image by digest only: no tag ever points at it.</summary>
    private async Task<(string Digest, List<string> Blobs)> PushUntaggedAsync(string repo, string name, IReadOnlyList<byte[]> layers)
    {
        var config = GcProbe.Config($"{repo}-{name}");
        var configDigest = await _client.PushBlobAsync(repo, config);
        var blobs = new List<string> { configDigest };
        var layerArray = new JsonArray();
        foreach (var layer in layers)
        {
            var digest = await _client.PushBlobAsync(repo, layer);
            layerArray.Add(Descriptor(OciLayer, digest, layer.Length));
            blobs.Add(digest);
        }
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = Descriptor(OciConfig, configDigest, config.Length),
            ["layers"] = layerArray,
        }.ToJsonString());
        var manifestDigest = DigestOf(body);
        using var response = await _client.PutManifestAsync(repo, manifestDigest, body, OciManifest);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (manifestDigest, blobs);
    }

    private async Task AssertPullsAsync(string repo, string reference)
    {
        using var response = await GetManifestAsync(repo, reference);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{repo}:{reference}: {(int)response.StatusCode}");
    }

    private async Task AssertManifestUnknownAsync(string repo, string reference)
    {
        using var response = await GetManifestAsync(repo, reference);
        await AssertErrorAsync(response, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    private Task<HttpResponseMessage> GetManifestAsync(string repo, string reference)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{repo}/manifests/{reference}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(OciManifest));
        return _client.Http.SendAsync(request);
    }

    private static string ConfigDigest(List<string> blobs) => blobs[0];

    private static StringContent JsonBody(string text) => new(text, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private sealed record RetentionRun(Guid RunId, bool DryRun, List<GcUnlinkedBlob> UnlinkedBlobs, List<GcDeletedBlob> DeletedBlobs,
        List<RetentionDeletions>? Retention);
}
