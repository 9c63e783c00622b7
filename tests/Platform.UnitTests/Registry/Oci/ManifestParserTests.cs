using System.Text;
using Platform.Registry.Oci;

namespace Platform.UnitTests.Registry.Oci;

public sealed class ManifestParserTests
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";
    private const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    private const string DockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
    private const string OciConfig = "application/vnd.oci.image.config.v1+json";
    private const string OciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";
    private const string Empty = "application/vnd.oci.empty.v1+json";

    private const string ConfigDigest = "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7";
    private const string Layer1 = "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0";
    private const string Layer2 = "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b";
    private const string SubjectDigest = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270";
    private const string EmptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    private const string Child1 = "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f";
    private const string Child2 = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270";
    private const string Sha512Digest =
        "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

    // The image-spec's example image manifest (manifest.md), with its subject.
    private const string ImageManifestJson = $$"""
        {
          "schemaVersion": 2,
          "mediaType": "{{OciManifest}}",
          "config": { "mediaType": "{{OciConfig}}", "digest": "{{ConfigDigest}}", "size": 7023 },
          "layers": [
            { "mediaType": "{{OciLayer}}", "digest": "{{Layer1}}", "size": 32654 },
            { "mediaType": "{{OciLayer}}", "digest": "{{Layer2}}", "size": 16724 }
          ],
          "subject": { "mediaType": "{{OciManifest}}", "digest": "{{SubjectDigest}}", "size": 7682 },
          "annotations": { "com.example.key1": "value1", "com.example.key2": "value2" }
        }
        """;

    // The image-spec's example image index (image-index.md).
    private const string ImageIndexJson = $$"""
        {
          "schemaVersion": 2,
          "mediaType": "{{OciIndex}}",
          "manifests": [
            { "mediaType": "{{OciManifest}}", "size": 7143, "digest": "{{Child1}}",
              "platform": { "architecture": "ppc64le", "os": "linux" } },
            { "mediaType": "{{OciManifest}}", "size": 7682, "digest": "{{Child2}}",
              "platform": { "architecture": "amd64", "os": "linux" } }
          ],
          "annotations": { "com.example.key1": "value1" }
        }
        """;

    private static ParsedManifest Accept(string json, string? contentType)
    {
        var ok = ManifestParser.TryParse(Encoding.UTF8.GetBytes(json), contentType, out var manifest, out var error);
        Assert.True(ok, error?.Message);
        Assert.Null(error);
        return manifest;
    }

    private static OciError Reject(string json, string? contentType) => Reject(Encoding.UTF8.GetBytes(json), contentType);

    private static OciError Reject(byte[] body, string? contentType)
    {
        var ok = ManifestParser.TryParse(body, contentType, out _, out var error);
        Assert.False(ok);
        Assert.NotNull(error);
        Assert.Same(OciErrorCode.ManifestInvalid, error.Code);
        return error;
    }

    /// <summary>An OCI image manifest whose config and layers are given as raw JSON.</summary>
    private static string Image(string config, string layers = $$"""[{ "mediaType": "{{OciLayer}}", "digest": "{{Layer1}}", "size": 1 }]""",
        string extra = "") =>
        $$"""{ "schemaVersion": 2, "mediaType": "{{OciManifest}}", "config": {{config}}, "layers": {{layers}}{{extra}} }""";

    private static string Descriptor(string mediaType = OciConfig, string digest = ConfigDigest, string size = "7023") =>
        $$"""{ "mediaType": "{{mediaType}}", "digest": "{{digest}}", "size": {{size}} }""";

    // ---------------------------------------------------------------- accepted shapes

    [Fact]
    public void OCI_image_manifest()
    {
        var m = Accept(ImageManifestJson, OciManifest);
        Assert.Equal(OciManifest, m.MediaType);
        Assert.Equal(
            [
                new DescriptorRef(OciConfig, ConfigDigest, 7023),
                new DescriptorRef(OciLayer, Layer1, 32654),
                new DescriptorRef(OciLayer, Layer2, 16724),
            ],
            m.BlobReferences);
        Assert.Empty(m.ManifestReferences);
        Assert.Equal(new DescriptorRef(OciManifest, SubjectDigest, 7682), m.Subject);
        // No artifactType: the config's media type stands in (image-spec, distribution-spec "Listing Referrers").
        Assert.Equal(OciConfig, m.ArtifactType);
        Assert.Equal(new Dictionary<string, string> { ["com.example.key1"] = "value1", ["com.example.key2"] = "value2" }, m.Annotations);
    }

    [Fact]
    public void OCI_image_index()
    {
        var m = Accept(ImageIndexJson, OciIndex);
        Assert.Equal(OciIndex, m.MediaType);
        Assert.Empty(m.BlobReferences);
        Assert.Equal([new DescriptorRef(OciManifest, Child1, 7143), new DescriptorRef(OciManifest, Child2, 7682)], m.ManifestReferences);
        Assert.Null(m.Subject);
        Assert.Null(m.ArtifactType); // an index has no config to fall back to
        Assert.Equal(new Dictionary<string, string> { ["com.example.key1"] = "value1" }, m.Annotations);
    }

    [Fact]
    public void An_index_may_list_no_manifests()
    {
        var m = Accept($$"""{ "schemaVersion": 2, "mediaType": "{{OciIndex}}", "manifests": [] }""", OciIndex);
        Assert.Equal(OciIndex, m.MediaType);
        Assert.Empty(m.ManifestReferences);
    }

    [Fact]
    public void An_index_with_artifactType_and_subject()
    {
        var m = Accept($$"""
            { "schemaVersion": 2, "mediaType": "{{OciIndex}}", "artifactType": "application/vnd.example.sbom.v1",
              "manifests": [ { "mediaType": "{{OciManifest}}", "digest": "{{Child1}}", "size": 10, "artifactType": "application/vnd.example.part" } ],
              "subject": { "mediaType": "{{OciManifest}}", "digest": "{{SubjectDigest}}", "size": 7682 } }
            """, OciIndex);
        Assert.Equal("application/vnd.example.sbom.v1", m.ArtifactType);
        Assert.Equal([new DescriptorRef(OciManifest, Child1, 10, "application/vnd.example.part")], m.ManifestReferences);
        Assert.Equal(new DescriptorRef(OciManifest, SubjectDigest, 7682), m.Subject);
    }

    [Fact]
    public void An_index_entry_of_an_unknown_media_type_is_kept()
    {
        // image-index.md: "An encountered mediaType that is unknown to the implementation MUST NOT generate an error."
        var m = Accept($$"""{ "schemaVersion": 2, "mediaType": "{{OciIndex}}", "manifests": [ {{Descriptor("application/vnd.example.future.v9+json", Child1, "12")}} ] }""", OciIndex);
        Assert.Equal([new DescriptorRef("application/vnd.example.future.v9+json", Child1, 12)], m.ManifestReferences);
    }

    [Fact]
    public void Docker_schema_2_manifest()
    {
        var json = $$"""
            {
              "schemaVersion": 2,
              "mediaType": "{{DockerManifest}}",
              "config": { "mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": "{{ConfigDigest}}" },
              "layers": [ { "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654, "digest": "{{Layer1}}" } ]
            }
            """;
        var m = Accept(json, DockerManifest);
        Assert.Equal(DockerManifest, m.MediaType);
        Assert.Equal(
            [
                new DescriptorRef("application/vnd.docker.container.image.v1+json", ConfigDigest, 7023),
                new DescriptorRef("application/vnd.docker.image.rootfs.diff.tar.gzip", Layer1, 32654),
            ],
            m.BlobReferences);
        Assert.Empty(m.ManifestReferences);
        Assert.Null(m.Subject);
        Assert.Equal("application/vnd.docker.container.image.v1+json", m.ArtifactType);
        Assert.Null(m.Annotations);
    }

    [Fact]
    public void Docker_manifest_list()
    {
        var json = $$"""
            {
              "schemaVersion": 2,
              "mediaType": "{{DockerList}}",
              "manifests": [
                { "mediaType": "{{DockerManifest}}", "size": 7143, "digest": "{{Child1}}", "platform": { "architecture": "ppc64le", "os": "linux" } },
                { "mediaType": "{{DockerManifest}}", "size": 7682, "digest": "{{Child2}}", "platform": { "architecture": "amd64", "os": "linux", "features": [ "sse4" ] } }
              ]
            }
            """;
        var m = Accept(json, DockerList);
        Assert.Equal(DockerList, m.MediaType);
        Assert.Empty(m.BlobReferences);
        Assert.Equal([new DescriptorRef(DockerManifest, Child1, 7143), new DescriptorRef(DockerManifest, Child2, 7682)], m.ManifestReferences);
        Assert.Null(m.ArtifactType);
    }

    [Fact]
    public void Artifact_with_empty_config_and_artifactType()
    {
        // image-spec "Guidelines for Artifact Usage", the minimal artifact.
        var json = $$"""
            {
              "schemaVersion": 2,
              "mediaType": "{{OciManifest}}",
              "artifactType": "application/vnd.example+type",
              "config": { "mediaType": "{{Empty}}", "digest": "{{EmptyDigest}}", "size": 2 },
              "layers": [ { "mediaType": "{{Empty}}", "digest": "{{EmptyDigest}}", "size": 2 } ],
              "annotations": { "oci.opencontainers.image.created": "2023-01-02T03:04:05Z", "com.example.data": "payload" }
            }
            """;
        var m = Accept(json, OciManifest);
        Assert.Equal("application/vnd.example+type", m.ArtifactType);
        Assert.Equal([new DescriptorRef(Empty, EmptyDigest, 2), new DescriptorRef(Empty, EmptyDigest, 2)], m.BlobReferences);
        Assert.Equal("payload", m.Annotations!["com.example.data"]);
        Assert.Equal(2, m.Annotations.Count);
    }

    [Fact]
    public void Artifact_with_its_own_config_type_and_no_artifactType_falls_back_to_the_config_type()
    {
        var m = Accept(Image(Descriptor("application/vnd.cncf.helm.config.v1+json")), OciManifest);
        Assert.Equal("application/vnd.cncf.helm.config.v1+json", m.ArtifactType);
    }

    [Fact]
    public void Explicit_artifactType_wins_over_the_config_type()
    {
        var m = Accept(Image(Descriptor("application/vnd.example.config.v1+json"), extra: """, "artifactType": "application/vnd.example+type" """), OciManifest);
        Assert.Equal("application/vnd.example+type", m.ArtifactType);
    }

    [Fact]
    public void Empty_config_without_artifactType_is_invalid()
    {
        // image-spec manifest.md, artifactType: "This MUST be set when config.mediaType is set to the empty value."
        var e = Reject(Image(Descriptor(Empty, EmptyDigest, "2")), OciManifest);
        Assert.Contains("artifactType", e.Message);
    }

    [Fact]
    public void An_empty_artifactType_on_a_manifest_falls_back_to_the_config_type()
    {
        // distribution-spec "Listing Referrers": "If the artifactType is empty or missing in the image manifest,
        // the value of artifactType MUST be set to the config descriptor mediaType value."
        var m = Accept(Image(Descriptor("application/vnd.example.config.v1+json"), extra: """, "artifactType": "" """), OciManifest);
        Assert.Equal("application/vnd.example.config.v1+json", m.ArtifactType);
    }

    [Fact]
    public void An_empty_artifactType_with_the_empty_config_is_as_if_missing()
    {
        var e = Reject(Image(Descriptor(Empty, EmptyDigest, "2"), extra: """, "artifactType": "" """), OciManifest);
        Assert.Contains("artifactType", e.Message);
    }

    [Fact]
    public void An_empty_artifactType_on_an_index_is_omitted()
    {
        // distribution-spec: "If the artifactType is empty or missing in an index, the artifactType MUST be omitted."
        var m = Accept($$"""{ "schemaVersion": 2, "mediaType": "{{OciIndex}}", "artifactType": "", "manifests": [] }""", OciIndex);
        Assert.Null(m.ArtifactType);
    }

    [Fact]
    public void An_OCI_manifest_may_have_no_layer_entries()
    {
        // "For portability, layers SHOULD have at least one entry": SHOULD, not MUST.
        var m = Accept(Image(Descriptor(), layers: "[]"), OciManifest);
        Assert.Equal([new DescriptorRef(OciConfig, ConfigDigest, 7023)], m.BlobReferences);
    }

    [Fact]
    public void Descriptor_extras_are_tolerated_and_the_artifactType_of_a_layer_kept()
    {
        var m = Accept(Image(Descriptor(), layers: $$"""
            [ { "mediaType": "application/vnd.unknown.layer", "digest": "{{Layer1}}", "size": 0,
                "urls": [ "https://example.com/layer" ], "annotations": { "a": "b" }, "data": "", "artifactType": "application/vnd.x" } ]
            """, extra: """, "x-unknown-field": { "nested": [1, 2] } """), OciManifest);
        Assert.Equal(new DescriptorRef("application/vnd.unknown.layer", Layer1, 0, "application/vnd.x"), m.BlobReferences[1]);
    }

    [Fact]
    public void Sha512_descriptors_are_accepted()
    {
        var m = Accept(Image(Descriptor(digest: Sha512Digest)), OciManifest);
        Assert.Equal(Sha512Digest, m.BlobReferences[0].Digest);
    }

    [Fact]
    public void Sizes_up_to_int64_max_are_accepted()
    {
        var m = Accept(Image(Descriptor(size: long.MaxValue.ToString())), OciManifest);
        Assert.Equal(long.MaxValue, m.BlobReferences[0].Size);
    }

    [Fact]
    public void Null_optional_fields_are_as_if_absent()
    {
        var m = Accept(Image(Descriptor(), extra: """, "subject": null, "annotations": null, "artifactType": null """), OciManifest);
        Assert.Null(m.Subject);
        Assert.Null(m.Annotations);
        Assert.Equal(OciConfig, m.ArtifactType);
    }

    [Fact]
    public void Empty_annotations_object_is_an_empty_map()
    {
        var m = Accept(Image(Descriptor(), extra: """, "annotations": {} """), OciManifest);
        Assert.NotNull(m.Annotations);
        Assert.Empty(m.Annotations);
    }

    // ---------------------------------------------------------------- media type: body vs Content-Type

    [Theory]
    [InlineData("application/vnd.oci.image.manifest.v1+json")]
    [InlineData("application/vnd.oci.image.manifest.v1+json; charset=utf-8")]
    [InlineData(" Application/VND.OCI.Image.Manifest.v1+JSON ")]
    public void A_header_that_names_the_body_mediaType_is_accepted(string contentType)
    {
        Assert.Equal(OciManifest, Accept(ImageManifestJson, contentType).MediaType);
    }

    [Theory]
    [InlineData(null, "Content-Type is required: the manifest's media type")]
    [InlineData("", "Content-Type is required: the manifest's media type")]
    [InlineData("text/plain", "Content-Type text/plain is not a manifest media type")]
    [InlineData("application/json", "Content-Type application/json is not a manifest media type")]
    [InlineData("application/octet-stream", "Content-Type application/octet-stream is not a manifest media type")]
    public void A_manifest_without_a_manifest_content_type_is_refused_not_guessed(string? contentType, string message)
    {
        Assert.Equal(message, Reject(ImageManifestJson, contentType).Message);
    }

    [Theory]
    [InlineData(OciIndex)]
    [InlineData(DockerManifest)]
    [InlineData(DockerList)]
    [InlineData("application/vnd.docker.distribution.manifest.v2+json; charset=utf-8")]
    public void A_header_naming_another_manifest_type_than_the_body_is_rejected(string contentType)
    {
        var e = Reject(ImageManifestJson, contentType);
        Assert.StartsWith("Content-Type application/vnd.", e.Message);
        Assert.EndsWith($"does not match the manifest's mediaType {OciManifest}", e.Message);
    }

    [Fact]
    public void An_index_pushed_as_a_manifest_is_rejected()
    {
        var e = Reject(ImageIndexJson, OciManifest);
        Assert.Equal($"Content-Type {OciManifest} does not match the manifest's mediaType {OciIndex}", e.Message);
    }

    [Fact]
    public void Without_a_body_mediaType_the_header_decides()
    {
        var docker = $$"""
            { "schemaVersion": 2,
              "config": { "mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": "{{ConfigDigest}}" },
              "layers": [] }
            """;
        Assert.Equal(DockerManifest, Accept(docker, DockerManifest).MediaType);
        Assert.Equal(OciManifest, Accept(docker, OciManifest).MediaType);

        var index = $$"""{ "schemaVersion": 2, "manifests": [ {{Descriptor(OciManifest, Child1, "5")}} ] }""";
        Assert.Equal(DockerList, Accept(index, DockerList).MediaType);
    }

    [Fact]
    public void Without_a_body_mediaType_an_oci_header_decides_the_kind()
    {
        var image = $$"""{ "schemaVersion": 2, "config": {{Descriptor()}}, "layers": [] }""";
        Assert.Equal(OciManifest, Accept(image, OciManifest).MediaType);

        var index = $$"""{ "schemaVersion": 2, "manifests": [ {{Descriptor(OciManifest, Child1, "5")}} ] }""";
        var m = Accept(index, OciIndex);
        Assert.Equal(OciIndex, m.MediaType);
        Assert.Equal([new DescriptorRef(OciManifest, Child1, 5)], m.ManifestReferences);
    }

    [Theory]
    [InlineData("application/vnd.oci.artifact.manifest.v1+json")] // the withdrawn artifact manifest
    [InlineData("application/vnd.docker.distribution.manifest.v1+prettyjws")]
    [InlineData("application/json")]
    [InlineData("")]
    public void An_unknown_body_mediaType_is_rejected(string mediaType)
    {
        // Whatever the header says: sent as itself it is no manifest type, sent as a known one it contradicts the body.
        var json = $$"""{ "schemaVersion": 2, "mediaType": "{{mediaType}}", "config": {{Descriptor()}}, "layers": [] }""";
        Assert.StartsWith("Content-Type", Reject(json, mediaType).Message);
        Assert.Equal($"Content-Type {OciManifest} does not match the manifest's mediaType {mediaType}", Reject(json, OciManifest).Message);
    }

    [Fact]
    public void A_non_string_mediaType_is_rejected()
    {
        var e = Reject($$"""{ "schemaVersion": 2, "mediaType": 1, "config": {{Descriptor()}}, "layers": [] }""", OciManifest);
        Assert.Equal("mediaType must be a string", e.Message);
    }

    // ---------------------------------------------------------------- ambiguous documents (CVE-2021-41190)

    [Fact]
    public void An_image_manifest_with_a_manifests_array_is_rejected()
    {
        var json = Image(Descriptor(), extra: $$""", "manifests": [ {{Descriptor(OciManifest, Child1, "5")}} ]""");
        Assert.Equal("an image manifest has no manifests array", Reject(json, OciManifest).Message);
    }

    [Theory]
    [InlineData("config")]
    [InlineData("layers")]
    public void An_index_with_config_or_layers_is_rejected(string field)
    {
        var value = field == "config" ? Descriptor() : $"[ {Descriptor(OciLayer, Layer1, "1")} ]";
        var json = $$"""{ "schemaVersion": 2, "mediaType": "{{OciIndex}}", "manifests": [], "{{field}}": {{value}} }""";
        var e = Reject(json, OciIndex);
        Assert.Contains(field, e.Message);
    }

    // ---------------------------------------------------------------- invalid documents

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("{\"schemaVersion\": 2,}")]
    [InlineData("{'schemaVersion': 2}")]
    public void Invalid_JSON(string body)
    {
        var e = Reject(body, OciManifest);
        Assert.StartsWith("the manifest is not valid JSON: ", e.Message);
    }

    [Fact]
    public void Invalid_UTF8_is_refused_wherever_it_is()
    {
        // JSON text is UTF-8 (RFC 8259). An invalid byte in a string must be MANIFEST_INVALID, not an exception.
        foreach (var extra in new[] { """, "annotations": { "k": "v@" }""", """, "other": "x@" """, """, "annotations": { "k@": "v" }""" })
        {
            var body = Encoding.UTF8.GetBytes(Image(Descriptor(), extra: extra));
            body[Array.IndexOf(body, (byte)'@')] = 0xff;
            Assert.StartsWith("the manifest is not valid JSON", Reject(body, OciManifest).Message);
        }
        Assert.StartsWith("the manifest is not valid JSON", Reject([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d], OciManifest).Message);
    }

    [Fact]
    public void Nesting_deeper_than_64_is_refused()
    {
        var deep = new string('[', 70) + new string(']', 70);
        var e = Reject(Image(Descriptor(), extra: $", \"x\": {deep}"), OciManifest);
        Assert.StartsWith("the manifest is not valid JSON: ", e.Message);
    }

    [Theory]
    // image-spec annotations.md: "Keys MUST be unique within this map".
    [InlineData(""", "annotations": { "k": "a", "k": "b" }""")]
    // A repeated field is read as its first value by some parsers and its last by others: the registry and a
    // client would disagree on what the manifest is (its type, its subject, its blobs).
    [InlineData(""", "mediaType": "application/vnd.oci.image.index.v1+json" """)]
    [InlineData(""", "subject": { "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270", "size": 1 }, "subject": null""")]
    [InlineData(""", "layers": []""")]
    public void Duplicate_keys_are_refused(string extra)
    {
        var e = Reject(Image(Descriptor(), extra: extra), null);
        Assert.StartsWith("the manifest is not valid JSON", e.Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("2")]
    [InlineData("\"manifest\"")]
    [InlineData("null")]
    public void The_manifest_must_be_an_object(string body)
    {
        Assert.Equal("the manifest must be a JSON object", Reject(body, OciManifest).Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\"schemaVersion\": 1,")]
    [InlineData("\"schemaVersion\": 3,")]
    [InlineData("\"schemaVersion\": \"2\",")]
    [InlineData("\"schemaVersion\": 2.5,")]
    [InlineData("\"schemaVersion\": 2.0,")]
    [InlineData("\"schemaVersion\": null,")]
    [InlineData("\"schemaVersion\": 4294967298,")] // 2 + 2^32: no truncation to 2
    public void SchemaVersion_must_be_the_integer_2(string schemaVersion)
    {
        var json = $$"""{ {{schemaVersion}} "mediaType": "{{OciManifest}}", "config": {{Descriptor()}}, "layers": [] }""";
        Assert.Equal("schemaVersion must be 2", Reject(json, OciManifest).Message);
    }

    [Fact]
    public void An_image_manifest_needs_a_config()
    {
        var json = $$"""{ "schemaVersion": 2, "mediaType": "{{OciManifest}}", "layers": [] }""";
        Assert.Equal("an image manifest needs a config descriptor", Reject(json, OciManifest).Message);
    }

    [Theory]
    [InlineData(OciManifest)]
    [InlineData(DockerManifest)]
    public void An_image_manifest_needs_a_layers_array(string mediaType)
    {
        // image-spec schema/image-manifest-schema.json: "required": ["schemaVersion", "config", "layers"];
        // Docker's image manifest schema 2 requires it too.
        var json = $$"""{ "schemaVersion": 2, "mediaType": "{{mediaType}}", "config": {{Descriptor()}} }""";
        var e = Reject(json, mediaType);
        Assert.Contains("layers", e.Message);
    }

    [Theory]
    [InlineData(OciManifest)]
    [InlineData(DockerManifest)]
    public void Layers_null_is_read_as_no_layers(string mediaType)
    {
        // Go's encoding/json writes a nil slice as null: such a client means an empty list.
        var json = $$"""{ "schemaVersion": 2, "mediaType": "{{mediaType}}", "config": {{Descriptor()}}, "layers": null }""";
        Assert.True(ManifestParser.TryParse(System.Text.Encoding.UTF8.GetBytes(json), mediaType, out var manifest, out var error), error?.Message);
        Assert.Single(manifest!.BlobReferences);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("\"layer\"")]
    [InlineData("1")]
    public void Layers_must_be_an_array(string layers)
    {
        Assert.Equal("layers must be an array", Reject(Image(Descriptor(), layers), OciManifest).Message);
    }

    [Theory]
    [InlineData(OciIndex)]
    [InlineData(DockerList)]
    public void An_index_needs_a_manifests_array(string mediaType)
    {
        Assert.Equal("an index needs a manifests array", Reject($$"""{ "schemaVersion": 2, "mediaType": "{{mediaType}}" }""", mediaType).Message);
        Assert.Equal("an index needs a manifests array",
            Reject($$"""{ "schemaVersion": 2, "mediaType": "{{mediaType}}", "manifests": {} }""", mediaType).Message);
        Assert.Equal("an index needs a manifests array",
            Reject($$"""{ "schemaVersion": 2, "mediaType": "{{mediaType}}", "manifests": null }""", mediaType).Message);
    }

    [Theory]
    [InlineData("[]", "config must be a descriptor object")]
    [InlineData("null", "config must be a descriptor object")]
    [InlineData("\"sha256:abc\"", "config must be a descriptor object")]
    [InlineData("""{ "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": 1 }""", "config.mediaType is required")]
    [InlineData("""{ "mediaType": "", "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": 1 }""", "config.mediaType is required")]
    [InlineData("""{ "mediaType": 5, "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": 1 }""", "config.mediaType is required")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "size": 1 }""", "config.digest is invalid")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": 12, "size": 1 }""", "config.digest is invalid")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:abc", "size": 1 }""", "config.digest is invalid: sha256:abc")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:B5B2B2C507A0944348E0303114D8D93AAAA081732B86451D9BCE1F432A537BC7", "size": 1 }""", "config.digest is invalid: sha256:B5B2B2C507A0944348E0303114D8D93AAAA081732B86451D9BCE1F432A537BC7")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": 1 }""", "config.digest is invalid: b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7" }""", "config.size must be a non-negative integer")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": -1 }""", "config.size must be a non-negative integer")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": "1" }""", "config.size must be a non-negative integer")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": 1.5 }""", "config.size must be a non-negative integer")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": 9223372036854775808 }""", "config.size must be a non-negative integer")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": null }""", "config.size must be a non-negative integer")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7", "size": 1, "artifactType": 3 }""", "config.artifactType must be a string")]
    public void A_bad_config_descriptor(string config, string message)
    {
        Assert.Equal(message, Reject(Image(config), OciManifest).Message);
    }

    [Theory]
    [InlineData("sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f", "1", "layers[1].digest is invalid: sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f")]
    [InlineData("md5:900150983cd24fb0d6963f7d28e17f72", "1", "layers[1].digest is invalid: md5:900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0", "-5", "layers[1].size must be a non-negative integer")]
    public void A_bad_layer_descriptor_is_named_by_its_index(string digest, string size, string message)
    {
        var layers = $"[ {Descriptor(OciLayer, Layer1, "1")}, {Descriptor(OciLayer, digest, size)} ]";
        Assert.Equal(message, Reject(Image(Descriptor(), layers), OciManifest).Message);
    }

    [Fact]
    public void A_layer_that_is_no_object()
    {
        Assert.Equal("layers[0] must be a descriptor object", Reject(Image(Descriptor(), "[ \"sha256:abc\" ]"), OciManifest).Message);
    }

    [Fact]
    public void A_bad_index_entry_is_named_by_its_index()
    {
        var json = $$"""{ "schemaVersion": 2, "mediaType": "{{OciIndex}}", "manifests": [ {{Descriptor(OciManifest, Child1, "5")}}, {{Descriptor(OciManifest, "sha256:zz", "5")}} ] }""";
        Assert.Equal("manifests[1].digest is invalid: sha256:zz", Reject(json, OciIndex).Message);
    }

    [Theory]
    [InlineData("[]", "subject must be a descriptor object")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:5b0b", "size": 1 }""", "subject.digest is invalid: sha256:5b0b")]
    [InlineData("""{ "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270", "size": -1 }""", "subject.size must be a non-negative integer")]
    [InlineData("""{ "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270", "size": 1 }""", "subject.mediaType is required")]
    public void A_bad_subject(string subject, string message)
    {
        Assert.Equal(message, Reject(Image(Descriptor(), extra: $", \"subject\": {subject}"), OciManifest).Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"a=b\"")]
    [InlineData("""{ "a": 1 }""")]
    [InlineData("""{ "a": "b", "c": null }""")]
    [InlineData("""{ "a": { "b": "c" } }""")]
    public void Annotations_must_be_a_string_to_string_map(string annotations)
    {
        Assert.Equal("annotations must be an object of strings",
            Reject(Image(Descriptor(), extra: $", \"annotations\": {annotations}"), OciManifest).Message);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("[]")]
    [InlineData("{}")]
    public void ArtifactType_must_be_a_string(string artifactType)
    {
        Assert.Equal("artifactType must be a string",
            Reject(Image(Descriptor(), extra: $", \"artifactType\": {artifactType}"), OciManifest).Message);
    }

    [Fact]
    public void The_limit_is_4_MiB()
    {
        Assert.Equal(4 * 1024 * 1024, ManifestLimits.MaxBytes);
    }

    [Theory]
    [InlineData(OciManifest, false, true)]
    [InlineData(DockerManifest, false, true)]
    [InlineData(OciIndex, true, true)]
    [InlineData(DockerList, true, true)]
    [InlineData("application/vnd.oci.artifact.manifest.v1+json", false, false)]
    [InlineData("application/vnd.oci.image.manifest.v1+JSON", false, false)]
    [InlineData("", false, false)]
    public void Media_type_classes(string mediaType, bool index, bool known)
    {
        Assert.Equal(index, ManifestMediaTypes.IsIndex(mediaType));
        Assert.Equal(known, ManifestMediaTypes.IsKnown(mediaType));
    }
}
