using System.Text.Json;
using Platform.Registry.Oci;

namespace Platform.UnitTests.Registry.Oci;

public sealed class ReferrersTests
{
    private const string Sbom = "application/vnd.example.sbom.v1";
    private const string Signature = "application/vnd.example.signature.v1";
    private const string D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string D2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string D3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

    private static readonly ReferrerDescriptor[] Descriptors =
    [
        new("application/vnd.oci.image.manifest.v1+json", D1, 100, Sbom,
            new Dictionary<string, string> { ["org.opencontainers.image.created"] = "2026-01-01T00:00:00Z", ["b"] = "2" }),
        new("application/vnd.oci.image.manifest.v1+json", D2, 200, Signature, null),
        new("application/vnd.oci.image.index.v1+json", D3, 300, null, new Dictionary<string, string>()),
    ];

    [Fact]
    public void Unfiltered_lists_every_descriptor_in_order_with_the_exact_shape()
    {
        var (json, filtered) = ReferrersIndex.Build(Descriptors, null);
        Assert.False(filtered);
        Assert.Equal(
            """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[""" +
            """{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":100,"artifactType":"application/vnd.example.sbom.v1","annotations":{"org.opencontainers.image.created":"2026-01-01T00:00:00Z","b":"2"}},""" +
            """{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":200,"artifactType":"application/vnd.example.signature.v1"},""" +
            // An index without artifactType has none; empty annotations are left out.
            """{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":300}""" +
            "]}",
            Normalize(json));
    }

    [Fact]
    public void Filter_keeps_only_the_matching_artifactType_and_says_it_was_applied()
    {
        var (json, filtered) = ReferrersIndex.Build(Descriptors, Signature);
        Assert.True(filtered);
        using var doc = JsonDocument.Parse(json);
        var manifests = doc.RootElement.GetProperty("manifests");
        Assert.Equal(1, manifests.GetArrayLength());
        Assert.Equal(D2, manifests[0].GetProperty("digest").GetString());
        Assert.Equal(Signature, manifests[0].GetProperty("artifactType").GetString());
        Assert.Equal(200, manifests[0].GetProperty("size").GetInt64());
    }

    [Fact]
    public void Filtering_is_exact_and_case_sensitive()
    {
        var (json, filtered) = ReferrersIndex.Build(Descriptors, Sbom.ToUpperInvariant());
        Assert.True(filtered);
        Assert.Equal("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""", Normalize(json));
        Assert.Equal(0, Count(ReferrersIndex.Build(Descriptors, "application/vnd.example").Json));
    }

    [Fact]
    public void No_referrers_is_an_index_with_an_empty_manifests_array()
    {
        // distribution-spec: the response is an image index, with an empty manifests list when nothing refers.
        var (json, filtered) = ReferrersIndex.Build([], null);
        Assert.False(filtered);
        Assert.Equal("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""", Normalize(json));
    }

    [Fact]
    public void A_filter_that_matches_nothing_still_reports_it_was_applied()
    {
        var (json, filtered) = ReferrersIndex.Build(Descriptors, "application/vnd.none");
        Assert.True(filtered);
        Assert.Equal(0, Count(json));
    }

    [Fact]
    public void Annotations_with_characters_that_need_escaping_round_trip()
    {
        var d = new ReferrerDescriptor("application/vnd.oci.image.manifest.v1+json", D1, 1, Sbom,
            new Dictionary<string, string> { ["quote\"key"] = "line\nbreak <&>", ["ü"] = "é" });
        using var doc = JsonDocument.Parse(ReferrersIndex.Build([d], null).Json);
        var annotations = doc.RootElement.GetProperty("manifests")[0].GetProperty("annotations");
        Assert.Equal("line\nbreak <&>", annotations.GetProperty("quote\"key").GetString());
        Assert.Equal("é", annotations.GetProperty("ü").GetString());
    }

    [Fact]
    public void The_response_media_type_is_the_OCI_index()
    {
        Assert.Equal("application/vnd.oci.image.index.v1+json", ReferrersIndex.MediaType);
    }

    /// <summary>The JSON as compact text without the writer's defensive escaping ('+' is written as \u002B).</summary>
    private static string Normalize(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(doc.RootElement,
            new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static int Count(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("manifests").GetArrayLength();
    }
}
