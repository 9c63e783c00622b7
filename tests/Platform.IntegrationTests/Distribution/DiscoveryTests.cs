using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.IntegrationTests.Infrastructure;
using static Platform.IntegrationTests.Distribution.RegistryClient;

namespace Platform.IntegrationTests.Distribution;

/// <summary>Tag listing, the catalog and the referrers API through the gateway.</summary>
[Collection(RegistryCollection.Name)]
public sealed class DiscoveryTests(RegistryFixture registry)
{
    private readonly RegistryClient _client = new(registry.Gateway);
    private HttpClient Http => registry.Gateway;

    [Fact]
    public async Task Tags_are_listed_in_lexical_order_with_n_last_and_a_link_to_the_next_page()
    {
        var repo = UniqueRepo("tags");
        var (digest, body) = await _client.PushImageAsync(repo, "b", seed: 1);
        foreach (var tag in new[] { "a", "c", "B", "d1", "d0" })
            using (var put = await _client.PutManifestAsync(repo, tag, body, OciManifest))
                Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var all = await TagsAsync($"/v2/{repo}/tags/list");
        Assert.Equal(["B", "a", "b", "c", "d0", "d1"], all.Tags);
        Assert.Null(all.Link);

        var first = await TagsAsync($"/v2/{repo}/tags/list?n=2");
        Assert.Equal(["B", "a"], first.Tags);
        Assert.Equal($"</v2/{repo}/tags/list?n=2&last=a>; rel=\"next\"", first.Link);

        var second = await TagsAsync($"/v2/{repo}/tags/list?n=2&last=a");
        Assert.Equal(["b", "c"], second.Tags);
        var last = await TagsAsync($"/v2/{repo}/tags/list?n=2&last=c");
        Assert.Equal(["d0", "d1"], last.Tags);
        Assert.Null(last.Link);

        // `last` need not be a tag; n=0 is an empty page.
        Assert.Equal(["c", "d0", "d1"], (await TagsAsync($"/v2/{repo}/tags/list?last=bz")).Tags);
        Assert.Empty((await TagsAsync($"/v2/{repo}/tags/list?n=0")).Tags);

        using var bad = await Http.GetAsync($"/v2/{repo}/tags/list?n=minus");
        await AssertErrorAsync(bad, HttpStatusCode.BadRequest, "PAGINATION_NUMBER_INVALID");
        _ = digest;
    }

    [Fact]
    public async Task The_catalog_pages_through_repositories_in_order()
    {
        var prefix = $"cat{Guid.NewGuid():N}"[..12];
        var names = new[] { $"{prefix}/c", $"{prefix}/a", $"{prefix}/b" };
        foreach (var name in names)
            await _client.PushImageAsync(name, "v1", seed: 2);

        using var full = await Http.GetAsync("/v2/_catalog");
        var all = Strings(await full.Content.ReadAsStringAsync(), "repositories");
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        Assert.Superset(names.ToHashSet(), all.ToHashSet());

        using var page = await Http.GetAsync($"/v2/_catalog?n=2&last={prefix}/a");
        Assert.Equal([$"{prefix}/b", $"{prefix}/c"], Strings(await page.Content.ReadAsStringAsync(), "repositories"));
        // Other tests' repositories may sort after these: then, and only then, a Link points past the page.
        if (page.Headers.TryGetValues("Link", out var link))
            Assert.Equal($"</v2/_catalog?n=2&last={Uri.EscapeDataString($"{prefix}/c")}>; rel=\"next\"", link.Single());
    }

    [Fact]
    public async Task An_artifact_with_a_subject_is_found_through_the_referrers_api_and_filtered_by_type()
    {
        var repo = UniqueRepo("referrers");
        var (subject, subjectBody) = await _client.PushImageAsync(repo, "v1", seed: 3);
        var subjectDescriptor = Descriptor(OciManifest, subject, subjectBody.Length);

        // An empty referrers list for a digest nobody refers to: 200, never 404.
        var empty = await ReferrersAsync(repo, subject, null);
        Assert.Empty(empty.Manifests);

        var (signature, signatureBody) = await PushArtifactAsync(repo, subjectDescriptor, "application/vnd.example.signature", seed: 4,
            annotations: new Dictionary<string, string> { ["org.example.signed-by"] = "ci" });
        var (sbom, _) = await PushArtifactAsync(repo, subjectDescriptor, "application/vnd.example.sbom", seed: 5);

        var all = await ReferrersAsync(repo, subject, null);
        Assert.Null(all.FiltersApplied);
        Assert.Equal(new[] { signature, sbom }.Order(StringComparer.Ordinal), all.Manifests.Select(m => m["digest"]!.GetValue<string>()));
        var sig = all.Manifests.Single(m => m["digest"]!.GetValue<string>() == signature);
        Assert.Equal("application/vnd.example.signature", sig["artifactType"]!.GetValue<string>());
        Assert.Equal(OciManifest, sig["mediaType"]!.GetValue<string>());
        Assert.Equal(signatureBody.Length, sig["size"]!.GetValue<long>());
        Assert.Equal("ci", sig["annotations"]!["org.example.signed-by"]!.GetValue<string>());

        var filtered = await ReferrersAsync(repo, subject, "application/vnd.example.sbom");
        Assert.Equal("artifactType", filtered.FiltersApplied);
        Assert.Equal([sbom], filtered.Manifests.Select(m => m["digest"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_manifest_whose_subject_is_not_pushed_yet_is_accepted_with_the_oci_subject_header()
    {
        var repo = UniqueRepo("referrers");
        var absent = Descriptor(OciManifest, DigestOf("not yet"u8.ToArray()), 7);
        var config = await _client.PushBlobAsync(repo, "{}"u8.ToArray());
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["artifactType"] = "application/vnd.example.note",
            ["config"] = Descriptor("application/vnd.oci.empty.v1+json", config, 2),
            ["layers"] = new JsonArray(),
            ["subject"] = absent,
        };
        var body = System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString());
        using var put = await _client.PutManifestAsync(repo, DigestOf(body), body, OciManifest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(absent["digest"]!.GetValue<string>(), put.Headers.GetValues("OCI-Subject").Single());

        var referrers = await ReferrersAsync(repo, absent["digest"]!.GetValue<string>(), null);
        Assert.Equal([DigestOf(body)], referrers.Manifests.Select(m => m["digest"]!.GetValue<string>()));

        // Deleting the referrer removes it from the list.
        using (var delete = await Http.DeleteAsync($"/v2/{repo}/manifests/{DigestOf(body)}"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        Assert.Empty((await ReferrersAsync(repo, absent["digest"]!.GetValue<string>(), null)).Manifests);
    }

    [Fact]
    public async Task Referrers_of_a_malformed_digest_are_digest_invalid()
    {
        using var response = await Http.GetAsync($"/v2/{UniqueRepo("referrers")}/referrers/sha256:xyz");
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    private Task<(string Digest, byte[] Body)> PushArtifactAsync(string repo, JsonObject subject, string artifactType, int seed,
        IDictionary<string, string>? annotations = null) =>
        _client.PushImageAsync(repo, null, seed, layers: 1, subject: (JsonObject)subject.DeepClone(), artifactType: artifactType,
            configMediaType: "application/vnd.oci.empty.v1+json", annotations: annotations);

    private async Task<(List<JsonNode> Manifests, string? FiltersApplied)> ReferrersAsync(string repo, string digest, string? artifactType)
    {
        var path = $"/v2/{repo}/referrers/{digest}" + (artifactType is null ? "" : $"?artifactType={Uri.EscapeDataString(artifactType)}");
        using var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OciIndex, response.Content.Headers.ContentType!.MediaType);
        var index = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(2, index["schemaVersion"]!.GetValue<int>());
        Assert.Equal(OciIndex, index["mediaType"]!.GetValue<string>());
        var filters = response.Headers.TryGetValues("OCI-Filters-Applied", out var values) ? values.Single() : null;
        return (index["manifests"]!.AsArray().Select(m => m!).ToList(), filters);
    }

    private async Task<(string[] Tags, string? Link)> TagsAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var link = response.Headers.TryGetValues("Link", out var values) ? values.Single() : null;
        return (Strings(await response.Content.ReadAsStringAsync(), "tags"), link);
    }

    private static string[] Strings(string json, string property) =>
        JsonDocument.Parse(json).RootElement.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToArray();
}
