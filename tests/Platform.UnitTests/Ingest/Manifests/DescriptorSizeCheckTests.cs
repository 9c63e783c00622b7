using Platform.Ingest.Manifests;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.UnitTests.Ingest.Manifests;

public sealed class DescriptorSizeCheckTests
{
    private const string Config = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Layer = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string Child = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

    private static readonly RepositoryState State = new()
    {
        Blobs = { [Config] = 2, [Layer] = 300 },
        Manifests = { [Child] = new ManifestSummary(ManifestMediaTypes.OciManifest, 500, DateTimeOffset.UnixEpoch) },
    };

    private static ParsedManifest Image(long configSize, long layerSize) => new(ManifestMediaTypes.OciManifest,
        [new("application/vnd.oci.image.config.v1+json", Config, configSize), new("application/vnd.oci.image.layer.v1.tar", Layer, layerSize)],
        [], null, null, null);

    [Fact]
    public void Sizes_that_agree_pass() => Assert.Null(DescriptorSizeCheck.Check(Image(2, 300), State));

    [Theory]
    [InlineData(3, 300, Config, 2)]
    [InlineData(2, 299, Layer, 300)]
    [InlineData(2, 0, Layer, 300)]
    public void A_size_that_disagrees_is_manifest_invalid_naming_the_blob(long configSize, long layerSize, string digest, long stored)
    {
        var error = DescriptorSizeCheck.Check(Image(configSize, layerSize), State);

        Assert.NotNull(error);
        Assert.Equal(OciErrorCode.ManifestInvalid, error.Code);
        Assert.Contains(digest, error.Message, StringComparison.Ordinal);
        Assert.Contains($"has {stored}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_index_entry_is_checked_against_the_stored_manifest()
    {
        ParsedManifest Index(long size) => new(ManifestMediaTypes.OciIndex, [], [new(ManifestMediaTypes.OciManifest, Child, size)], null, null, null);

        Assert.Null(DescriptorSizeCheck.Check(Index(500), State));
        Assert.Equal(OciErrorCode.ManifestInvalid, DescriptorSizeCheck.Check(Index(501), State)?.Code);
    }

    [Fact]
    public void Content_the_repository_lacks_is_left_to_the_writer()
    {
        var unknown = new ParsedManifest(ManifestMediaTypes.OciManifest,
            [new("application/vnd.oci.image.config.v1+json", "sha256:" + new string('4', 64), 9)], [], null, null, null);

        Assert.Null(DescriptorSizeCheck.Check(unknown, State));
        Assert.Null(DescriptorSizeCheck.Check(Image(3, 1), null));
    }
}
