using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;
using static Platform.IntegrationTests.Distribution.RegistryClient;

namespace Platform.IntegrationTests.Repositories;

/// <summary>
/// The platform API over repositories, through the gateway: images are pushed with the OCI API, then read back
/// as JSON. The fixture is shared with other tests, so list assertions only look at names under a prefix of
/// their own (and `last` starts the page right before it).
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class RepositoryApiTests(RegistryFixture registry)
{
    private static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(5);
    private readonly RegistryClient _client = new(registry.Gateway);
    private HttpClient Http => registry.Gateway;

    [Fact]
    public async Task The_list_is_paged_by_n_and_last_with_a_next_link_in_the_body_and_the_Link_header()
    {
        var prefix = $"api-{Guid.NewGuid():N}";
        string a = $"{prefix}/a", b = $"{prefix}/b", c = $"{prefix}/c";
        var (_, imageA) = await _client.PushImageAsync(a, "v1", seed: 31);
        using (var retag = await _client.PutManifestAsync(a, "latest", imageA, OciManifest))
            Assert.Equal(HttpStatusCode.Created, retag.StatusCode);
        var blobB = RandomBytes(4321, seed: 32);
        await _client.PushBlobAsync(b, blobB);
        await _client.PushImageAsync(c, "v1", seed: 33, layers: 1);

        using var first = await Http.GetAsync($"/api/v1/repositories?n=2&last={prefix}");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/json", first.Content.Headers.ContentType!.MediaType);
        var expectedNext = $"/api/v1/repositories?n=2&last={Uri.EscapeDataString(b)}";
        Assert.Equal($"<{expectedNext}>; rel=\"next\"", Assert.Single(first.Headers.GetValues("Link")));
        using (var page = await JsonAsync(first))
        {
            var repositories = page.RootElement.GetProperty("repositories").EnumerateArray().ToList();
            Assert.Equal([a, b], repositories.Select(r => r.GetProperty("name").GetString()));
            Assert.Equal(expectedNext, page.RootElement.GetProperty("next").GetString());

            var summaryA = repositories[0];
            Assert.Equal(2, summaryA.GetProperty("tagCount").GetInt32());
            Assert.Equal(1, summaryA.GetProperty("manifestCount").GetInt32());
            Assert.Equal(3, summaryA.GetProperty("blobCount").GetInt32());
            Assert.Equal(BlobSizes(imageA).Values.Sum(), summaryA.GetProperty("size").GetInt64());
            Assert.Equal(JsonValueKind.String, summaryA.GetProperty("lastPushAt").ValueKind);

            // A repository holding only a blob has content too: it is listed, with no tags or manifests.
            var summaryB = repositories[1];
            Assert.Equal(0, summaryB.GetProperty("tagCount").GetInt32());
            Assert.Equal(0, summaryB.GetProperty("manifestCount").GetInt32());
            Assert.Equal(1, summaryB.GetProperty("blobCount").GetInt32());
            Assert.Equal(blobB.Length, summaryB.GetProperty("size").GetInt64());
        }

        using (var second = await Http.GetAsync(expectedNext))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            using var page = await JsonAsync(second);
            Assert.Equal(c, page.RootElement.GetProperty("repositories")[0].GetProperty("name").GetString());
        }

        // Past the end ('~' sorts after every valid name): an empty page, no next, no Link.
        using var end = await Http.GetAsync("/api/v1/repositories?last=~");
        Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        Assert.False(end.Headers.Contains("Link"));
        using (var page = await JsonAsync(end))
        {
            Assert.Empty(page.RootElement.GetProperty("repositories").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, page.RootElement.GetProperty("next").ValueKind);
        }

        // Without n a page holds at most the default 100; the largest n is accepted.
        using (var defaults = await Http.GetAsync($"/api/v1/repositories?last={prefix}"))
        using (var page = await JsonAsync(defaults))
        {
            var names = page.RootElement.GetProperty("repositories").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();
            Assert.InRange(names.Count, 3, 100);
            Assert.Equal([a, b, c], names.Take(3));
        }
        using (var max = await Http.GetAsync("/api/v1/repositories?n=1000"))
            Assert.Equal(HttpStatusCode.OK, max.StatusCode);
    }

    [Fact]
    public async Task A_repository_shows_its_tags_manifests_newest_first_blobs_sizes_and_last_push()
    {
        var repo = UniqueRepo("api");
        var before = DateTimeOffset.UtcNow;
        var (older, olderBody) = await _client.PushImageAsync(repo, "v1", seed: 41);
        using (var retag = await _client.PutManifestAsync(repo, "stable", olderBody, OciManifest))
            Assert.Equal(HttpStatusCode.Created, retag.StatusCode);
        var (newer, newerBody) = await _client.PushImageAsync(repo, "v2", seed: 42, layers: 1);
        var after = DateTimeOffset.UtcNow;

        using var response = await Http.GetAsync($"/api/v1/repositories/{repo}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = await JsonAsync(response);
        var root = doc.RootElement;
        Assert.Equal(repo, root.GetProperty("name").GetString());

        Assert.Equal(
            [("stable", older), ("v1", older), ("v2", newer)],
            root.GetProperty("tags").EnumerateArray().Select(t => (t.GetProperty("tag").GetString(), t.GetProperty("digest").GetString())));

        var manifests = root.GetProperty("manifests").EnumerateArray().ToList();
        Assert.Equal([newer, older], manifests.Select(m => m.GetProperty("digest").GetString()));
        Assert.Equal([newerBody.Length, olderBody.Length], manifests.Select(m => m.GetProperty("size").GetInt64()));
        Assert.All(manifests, m => Assert.Equal(OciManifest, m.GetProperty("mediaType").GetString()));
        Assert.Equal(["v2"], manifests[0].GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["stable", "v1"], manifests[1].GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var newerAt = manifests[0].GetProperty("pushedAt").GetDateTimeOffset();
        var olderAt = manifests[1].GetProperty("pushedAt").GetDateTimeOffset();
        Assert.True(newerAt > olderAt, $"{newerAt:O} should be after {olderAt:O}");

        var expectedBlobs = BlobSizes(olderBody).Concat(BlobSizes(newerBody)).DistinctBy(b => b.Key)
            .OrderBy(b => b.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(3 + 2, expectedBlobs.Count);
        Assert.Equal(expectedBlobs.Select(b => (b.Key, b.Value)),
            root.GetProperty("blobs").EnumerateArray().Select(b => (b.GetProperty("digest").GetString()!, b.GetProperty("size").GetInt64())));
        Assert.Equal(expectedBlobs.Sum(b => b.Value), root.GetProperty("size").GetInt64());

        // The newer manifest was the last thing pushed.
        var lastPushAt = root.GetProperty("lastPushAt").GetDateTimeOffset();
        Assert.Equal(newerAt, lastPushAt);
        Assert.InRange(lastPushAt, before - ClockSlack, after + ClockSlack);
    }

    [Fact]
    public async Task A_blob_shows_its_size_and_that_it_is_not_pinned_yet()
    {
        var repo = UniqueRepo("api");
        var bytes = RandomBytes(2048, seed: 51);
        var digest = await _client.PushBlobAsync(repo, bytes);

        using var response = await Http.GetAsync($"/api/v1/repositories/{repo}/blobs/{digest}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = await JsonAsync(response);
        var root = doc.RootElement;
        Assert.Equal(digest, root.GetProperty("digest").GetString());
        Assert.Equal(bytes.Length, root.GetProperty("size").GetInt64());
        // No Pinning service runs in this fixture: no CID yet.
        Assert.Equal(JsonValueKind.Null, root.GetProperty("cid").ValueKind);
        Assert.False(root.GetProperty("pinned").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("pinnedAt").ValueKind);
        // The mode describes the CID: none yet (Pinning/EncryptedPinningTests sees "public" and "encrypted").
        Assert.Equal(JsonValueKind.Null, root.GetProperty("ipfsMode").ValueKind);
    }

    [Fact]
    public async Task A_name_with_a_blobs_component_still_reaches_its_blobs()
    {
        // The last "/blobs/" splits name from digest, so a repository may itself have a "blobs" component.
        var repo = $"{UniqueRepo("api")}/blobs/x";
        var digest = await _client.PushBlobAsync(repo, RandomBytes(100, seed: 52));

        using var response = await Http.GetAsync($"/api/v1/repositories/{repo}/blobs/{digest}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = await JsonAsync(response);
        Assert.Equal(digest, doc.RootElement.GetProperty("digest").GetString());
    }

    [Fact]
    public async Task Unknown_repositories_and_blobs_are_404_problems()
    {
        var repo = UniqueRepo("api");
        var other = UniqueRepo("api");
        var linkedHere = await _client.PushBlobAsync(repo, RandomBytes(300, seed: 61));
        var linkedElsewhere = await _client.PushBlobAsync(other, RandomBytes(300, seed: 62));
        var unknown = DigestOf(RandomBytes(300, seed: 63));

        await AssertProblemAsync($"/api/v1/repositories/{UniqueRepo("api")}", HttpStatusCode.NotFound);
        await AssertProblemAsync($"/api/v1/repositories/{UniqueRepo("api")}/blobs/{linkedHere}", HttpStatusCode.NotFound);
        await AssertProblemAsync($"/api/v1/repositories/{repo}/blobs/{unknown}", HttpStatusCode.NotFound);

        // The bytes are stored (another repository links them), but this repository does not link them.
        using (var there = await Http.GetAsync($"/api/v1/repositories/{other}/blobs/{linkedElsewhere}"))
            Assert.Equal(HttpStatusCode.OK, there.StatusCode);
        await AssertProblemAsync($"/api/v1/repositories/{repo}/blobs/{linkedElsewhere}", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_repository_whose_content_is_all_deleted_is_gone_from_the_api()
    {
        var repo = UniqueRepo("api");
        var digest = await _client.PushBlobAsync(repo, RandomBytes(500, seed: 71));
        using (var delete = await Http.DeleteAsync($"/v2/{repo}/blobs/{digest}"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);

        await AssertProblemAsync($"/api/v1/repositories/{repo}", HttpStatusCode.NotFound);
        await AssertProblemAsync($"/api/v1/repositories/{repo}/blobs/{digest}", HttpStatusCode.NotFound);
        using var list = await Http.GetAsync($"/api/v1/repositories?n=1&last={repo[..^1]}");
        using var page = await JsonAsync(list);
        Assert.DoesNotContain(page.RootElement.GetProperty("repositories").EnumerateArray(),
            r => r.GetProperty("name").GetString() == repo);
    }

    [Theory]
    [InlineData("/api/v1/repositories?n=0")]
    [InlineData("/api/v1/repositories?n=-1")]
    [InlineData("/api/v1/repositories?n=abc")]
    [InlineData("/api/v1/repositories?n=1001")]
    [InlineData("/api/v1/repositories/Upper/Case")]
    [InlineData("/api/v1/repositories/bad..name")]
    [InlineData("/api/v1/repositories/Upper/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("/api/v1/repositories/library/app/blobs/sha256:abc")]
    [InlineData("/api/v1/repositories/library/app/blobs/md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("/api/v1/repositories/library/app/blobs/")]
    public async Task Invalid_names_digests_and_page_sizes_are_400_problems(string path) =>
        await AssertProblemAsync(path, HttpStatusCode.BadRequest);

    private async Task AssertProblemAsync(string path, HttpStatusCode status)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"GET {path}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal((int)status, doc.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("detail").GetString()));
    }

    private static async Task<JsonDocument> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync());

    /// <summary>The blobs an image manifest links (config and layers), digest to size.</summary>
    private static Dictionary<string, long> BlobSizes(byte[] manifest)
    {
        using var doc = JsonDocument.Parse(manifest);
        var descriptors = doc.RootElement.GetProperty("layers").EnumerateArray().Prepend(doc.RootElement.GetProperty("config"));
        return descriptors.ToDictionary(d => d.GetProperty("digest").GetString()!, d => d.GetProperty("size").GetInt64());
    }
}
