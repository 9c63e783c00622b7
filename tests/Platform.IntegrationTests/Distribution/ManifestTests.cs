using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.IntegrationTests.Infrastructure;
using static Platform.IntegrationTests.Distribution.RegistryClient;

namespace Platform.IntegrationTests.Distribution;

/// <summary>Manifests through the gateway: push by tag and digest, pull with negotiation, delete, and refusals.</summary>
[Collection(RegistryCollection.Name)]
public sealed class ManifestTests(RegistryFixture registry)
{
    private readonly RegistryClient _client = new(registry.Gateway);
    private HttpClient Http => registry.Gateway;

    [Fact]
    public async Task A_manifest_pushed_by_tag_is_pulled_at_once_by_tag_and_by_digest()
    {
        var repo = UniqueRepo("manifests");
        var (digest, body) = await _client.PushImageAsync(repo, "v1", seed: 1);

        foreach (var reference in new[] { "v1", digest })
        {
            using var get = await _client.SendAsync(HttpMethod.Get, $"/v2/{repo}/manifests/{reference}",
                configure: r => r.Headers.Accept.ParseAdd(OciManifest));
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(OciManifest, get.Content.Headers.ContentType!.MediaType);
            Assert.Equal(digest, get.Headers.GetValues("Docker-Content-Digest").Single());
            Assert.Equal(body, await get.Content.ReadAsByteArrayAsync());

            using var head = await _client.SendAsync(HttpMethod.Head, $"/v2/{repo}/manifests/{reference}",
                configure: r => r.Headers.Accept.ParseAdd(OciManifest));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(body.Length, head.Content.Headers.ContentLength);
            Assert.Equal(digest, head.Headers.GetValues("Docker-Content-Digest").Single());
        }
    }

    [Fact]
    public async Task The_put_answers_201_with_location_and_digest()
    {
        var repo = UniqueRepo("manifests");
        var config = await _client.PushBlobAsync(repo, "{}"u8.ToArray());
        var body = Manifest(Descriptor(OciConfig, config, 2));
        using var put = await _client.PutManifestAsync(repo, "latest", body, OciManifest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(DigestOf(body), put.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal($"/v2/{repo}/manifests/{DigestOf(body)}", put.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Docker_schema2_manifests_and_manifest_lists_are_stored_and_served_as_pushed()
    {
        var repo = UniqueRepo("docker");
        var (imageDigest, imageBody) = await _client.PushImageAsync(repo, "amd64", seed: 2, mediaType: DockerManifest);
        var list = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = DockerManifestList,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = DockerManifest, ["digest"] = imageDigest, ["size"] = imageBody.Length,
                ["platform"] = new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" },
            }),
        }.ToJsonString());
        using (var put = await _client.PutManifestAsync(repo, "multi", list, DockerManifestList))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        using var get = await _client.SendAsync(HttpMethod.Get, $"/v2/{repo}/manifests/multi",
            configure: r => r.Headers.Accept.ParseAdd($"{DockerManifestList}, {DockerManifest}"));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(DockerManifestList, get.Content.Headers.ContentType!.MediaType);
        Assert.Equal(list, await get.Content.ReadAsByteArrayAsync());

        // A client that accepts only OCI types gets no conversion (it would change the digest): MANIFEST_UNKNOWN.
        using var ociOnly = await _client.SendAsync(HttpMethod.Get, $"/v2/{repo}/manifests/amd64",
            configure: r => r.Headers.Accept.ParseAdd(OciManifest));
        await AssertErrorAsync(ociOnly, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Fact]
    public async Task An_oci_index_needs_its_manifests_first()
    {
        var repo = UniqueRepo("index");
        var (child, childBody) = await _client.PushImageAsync(repo, null, seed: 3);
        var missing = DigestOf("not pushed"u8.ToArray());
        var index = Index(Descriptor(OciManifest, child, childBody.Length), Descriptor(OciManifest, missing, 10));
        using (var refused = await _client.PutManifestAsync(repo, "multi", index, OciIndex))
            await AssertErrorAsync(refused, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");

        var good = Index(Descriptor(OciManifest, child, childBody.Length));
        using (var put = await _client.PutManifestAsync(repo, "multi", good, OciIndex))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var get = await Http.GetAsync($"/v2/{repo}/manifests/multi");
        Assert.Equal(OciIndex, get.Content.Headers.ContentType!.MediaType);
        Assert.Equal(good, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_manifest_whose_blobs_are_unknown_to_the_repository_is_refused()
    {
        var repo = UniqueRepo("manifests");
        var elsewhere = await _client.PushBlobAsync(UniqueRepo("other"), "{}"u8.ToArray());
        using var put = await _client.PutManifestAsync(repo, "v1", Manifest(Descriptor(OciConfig, elsewhere, 2)), OciManifest);
        await AssertErrorAsync(put, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
        using var get = await Http.GetAsync($"/v2/{repo}/manifests/v1");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Theory]
    [InlineData("config")]
    [InlineData("layer")]
    public async Task A_descriptor_whose_size_disagrees_with_the_stored_blob_is_manifest_invalid(string wrong)
    {
        var repo = UniqueRepo("sizes");
        var config = await _client.PushBlobAsync(repo, "{}"u8.ToArray());
        var layer = RandomBytes(300, seed: 7);
        var layerDigest = await _client.PushBlobAsync(repo, layer);
        var body = Manifest(Descriptor(OciConfig, config, wrong == "config" ? 3 : 2),
            Descriptor(OciLayer, layerDigest, wrong == "layer" ? layer.Length - 1 : layer.Length));

        using var put = await _client.PutManifestAsync(repo, "v1", body, OciManifest);

        await AssertErrorAsync(put, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
        using var error = JsonDocument.Parse(await put.Content.ReadAsStringAsync());
        var detail = error.RootElement.GetProperty("errors")[0].GetProperty("detail");
        Assert.Equal(wrong == "config" ? config : layerDigest, detail.GetProperty("digest").GetString());
        Assert.Equal(wrong == "config" ? 2 : layer.Length, detail.GetProperty("stored").GetInt64());
        using var get = await Http.GetAsync($"/v2/{repo}/manifests/v1");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task An_index_entry_whose_size_disagrees_with_the_stored_manifest_is_manifest_invalid()
    {
        var repo = UniqueRepo("sizes");
        var (child, childBody) = await _client.PushImageAsync(repo, null, seed: 8);

        using var put = await _client.PutManifestAsync(repo, "multi", Index(Descriptor(OciManifest, child, childBody.Length + 1)), OciIndex);

        await AssertErrorAsync(put, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
        using var get = await Http.GetAsync($"/v2/{repo}/manifests/multi");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    public static TheoryData<string, string> InvalidManifests => new()
    {
        { "not json at all", OciManifest },
        { "[1,2,3]", OciManifest },
        { """{"schemaVersion":1,"config":{}}""", OciManifest },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}""", OciManifest },
        { """{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:nope","size":1},"layers":[]}""", OciManifest },
        { """{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":-1},"layers":[]}""", OciManifest },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""", OciManifest },
        { """{"schemaVersion":2,"mediaType":"application/x-unknown","config":{}}""", "application/x-unknown" },
    };

    [Theory]
    [MemberData(nameof(InvalidManifests))]
    public async Task Malformed_manifests_are_manifest_invalid(string body, string mediaType)
    {
        var repo = UniqueRepo("invalid");
        using var put = await _client.PutManifestAsync(repo, "v1", Encoding.UTF8.GetBytes(body), mediaType);
        await AssertErrorAsync(put, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task Manifests_over_4_MiB_are_refused_with_413()
    {
        var repo = UniqueRepo("big");
        var config = await _client.PushBlobAsync(repo, "{}"u8.ToArray());
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = Descriptor(OciConfig, config, 2),
            ["layers"] = new JsonArray(),
            ["annotations"] = new JsonObject { ["padding"] = new string('x', 4 * 1024 * 1024 + 1) },
        };
        // Its own connection: the registry answers before reading the oversized body, so the server closes that
        // connection afterwards (as any server must), and a shared client could be handed the dying connection next.
        using var own = new HttpClient { BaseAddress = registry.GatewayUrl };
        using var put = await new RegistryClient(own).PutManifestAsync(repo, "v1", Encoding.UTF8.GetBytes(manifest.ToJsonString()), OciManifest);
        await AssertErrorAsync(put, HttpStatusCode.RequestEntityTooLarge, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task A_put_by_digest_must_match_the_body()
    {
        var repo = UniqueRepo("manifests");
        var config = await _client.PushBlobAsync(repo, "{}"u8.ToArray());
        var body = Manifest(Descriptor(OciConfig, config, 2));
        using (var wrong = await _client.PutManifestAsync(repo, DigestOf("other"u8.ToArray()), body, OciManifest))
            await AssertErrorAsync(wrong, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var right = await _client.PutManifestAsync(repo, DigestOf(body), body, OciManifest))
            Assert.Equal(HttpStatusCode.Created, right.StatusCode);
        using var tags = await Http.GetAsync($"/v2/{repo}/tags/list");
        Assert.Empty(JsonDocument.Parse(await tags.Content.ReadAsStringAsync()).RootElement.GetProperty("tags").EnumerateArray());
    }

    [Fact]
    public async Task Unknown_manifests_tags_and_repositories_have_their_codes()
    {
        var repo = UniqueRepo("unknown");
        using (var noRepo = await Http.GetAsync($"/v2/{repo}/manifests/latest"))
            await AssertErrorAsync(noRepo, HttpStatusCode.NotFound, "NAME_UNKNOWN");
        using (var noTags = await Http.GetAsync($"/v2/{repo}/tags/list"))
            await AssertErrorAsync(noTags, HttpStatusCode.NotFound, "NAME_UNKNOWN");

        await _client.PushImageAsync(repo, "v1", seed: 4);
        using (var noTag = await Http.GetAsync($"/v2/{repo}/manifests/v2"))
            await AssertErrorAsync(noTag, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var noDigest = await Http.GetAsync($"/v2/{repo}/manifests/{DigestOf("x"u8.ToArray())}"))
            await AssertErrorAsync(noDigest, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var badDigest = await Http.GetAsync($"/v2/{repo}/manifests/sha256:abc"))
            await AssertErrorAsync(badDigest, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        // A reference that can be no tag names nothing: not found, on GET and HEAD alike.
        using (var impossibleTag = await Http.GetAsync($"/v2/{repo}/manifests/.INVALID_MANIFEST_NAME"))
            await AssertErrorAsync(impossibleTag, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var impossibleHead = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{repo}/manifests/.INVALID_MANIFEST_NAME")))
            Assert.Equal(HttpStatusCode.NotFound, impossibleHead.StatusCode);
        using (var badTag = await _client.PutManifestAsync(repo, ".dot-first", "{}"u8.ToArray(), OciManifest))
            await AssertErrorAsync(badTag, HttpStatusCode.BadRequest, "MANIFEST_INVALID");

        // A valid manifest sent under a type that is no manifest type is refused, not stored under a guess.
        var pushed = await Http.GetByteArrayAsync($"/v2/{repo}/manifests/v1");
        using (var plain = await _client.PutManifestAsync(repo, "plain", pushed, "text/plain"))
            await AssertErrorAsync(plain, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
        using (var untagged = await Http.GetAsync($"/v2/{repo}/manifests/plain"))
            await AssertErrorAsync(untagged, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Fact]
    public async Task Deleting_by_tag_removes_the_tag_and_by_digest_the_manifest()
    {
        var repo = UniqueRepo("delete");
        var (digest, _) = await _client.PushImageAsync(repo, "v1", seed: 5);
        using (var tag2 = await _client.PutManifestAsync(repo, "v2",
                   await Http.GetByteArrayAsync($"/v2/{repo}/manifests/{digest}"), OciManifest))
            Assert.Equal(HttpStatusCode.Created, tag2.StatusCode);

        using (var byTag = await Http.DeleteAsync($"/v2/{repo}/manifests/v1"))
            Assert.Equal(HttpStatusCode.Accepted, byTag.StatusCode);
        using (var tagGone = await Http.GetAsync($"/v2/{repo}/manifests/v1"))
            await AssertErrorAsync(tagGone, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var stillThere = await Http.GetAsync($"/v2/{repo}/manifests/{digest}"))
            Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);

        using (var byDigest = await Http.DeleteAsync($"/v2/{repo}/manifests/{digest}"))
            Assert.Equal(HttpStatusCode.Accepted, byDigest.StatusCode);
        using (var gone = await Http.GetAsync($"/v2/{repo}/manifests/{digest}"))
            await AssertErrorAsync(gone, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        // Its other tag went with it.
        using (var v2 = await Http.GetAsync($"/v2/{repo}/manifests/v2"))
            await AssertErrorAsync(v2, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var again = await Http.DeleteAsync($"/v2/{repo}/manifests/{digest}"))
            await AssertErrorAsync(again, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    [Fact]
    public async Task Moving_a_tag_points_it_at_the_new_manifest()
    {
        var repo = UniqueRepo("move");
        await _client.PushImageAsync(repo, "latest", seed: 6);
        var (second, _) = await _client.PushImageAsync(repo, "latest", seed: 7);
        using var head = await _client.SendAsync(HttpMethod.Head, $"/v2/{repo}/manifests/latest");
        Assert.Equal(second, head.Headers.GetValues("Docker-Content-Digest").Single());
    }

    internal static byte[] Manifest(JsonObject config, params JsonObject[] layers) =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = config,
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)l).ToArray()),
        }.ToJsonString());

    internal static byte[] Index(params JsonObject[] manifests) =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciIndex,
            ["manifests"] = new JsonArray(manifests.Select(m => (JsonNode)m).ToArray()),
        }.ToJsonString());
}
