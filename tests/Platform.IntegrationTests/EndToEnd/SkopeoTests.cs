using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.EndToEnd;

/// <summary>skopeo, a real registry client, pushes images to the gateway and pulls them back byte-identical.</summary>
[Collection(RegistryCollection.Name)]
public sealed class SkopeoTests(RegistryFixture registry) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-skopeo-").FullName;

    [Fact]
    public async Task A_multi_layer_image_round_trips_byte_identical()
    {
        var source = new OciLayout(Path.Combine(_work, "src"));
        var layers = new[]
        {
            source.AddLayer("small.bin", 1_000, seed: 1),
            source.AddLayer("medium.bin", 700_000, seed: 2),
            source.AddLayer("large.bin", 6_000_000, seed: 3),
        };
        var image = source.AddImage("amd64", layers, seed: 1);
        source.Tag(image, "v1");

        await Skopeo("copy", "--preserve-digests", "--dest-tls-verify=false",
            $"oci:{source.Root}:v1", $"docker://{registry.RegistryHost}/e2e/multilayer:v1");
        var pulled = Path.Combine(_work, "dst");
        await Skopeo("copy", "--preserve-digests", "--src-tls-verify=false",
            $"docker://{registry.RegistryHost}/e2e/multilayer:v1", $"oci:{pulled}:v1");

        Assert.Equal(image.Digest, OciLayout.DigestOf(pulled, "v1"));
        AssertSameBlobs(source.Root, pulled, expectedCount: layers.Length + 2);

        var inspect = await Skopeo("inspect", "--raw", "--tls-verify=false", $"docker://{registry.RegistryHost}/e2e/multilayer:v1");
        Assert.Equal(File.ReadAllText(Path.Combine(source.Root, "blobs", "sha256", image.Digest[7..])), inspect);
    }

    [Fact]
    public async Task A_multi_arch_index_round_trips_byte_identical()
    {
        var source = new OciLayout(Path.Combine(_work, "src-index"));
        var shared = source.AddLayer("shared.bin", 300_000, seed: 10);
        var amd64 = source.AddImage("amd64", [shared, source.AddLayer("amd64.bin", 200_000, seed: 11)], seed: 11);
        var arm64 = source.AddImage("arm64", [shared, source.AddLayer("arm64.bin", 200_000, seed: 12)], seed: 12);
        var index = source.AddIndex([(amd64, "amd64"), (arm64, "arm64")]);
        source.Tag(index, "multi");

        await Skopeo("copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
            $"oci:{source.Root}:multi", $"docker://{registry.RegistryHost}/e2e/multiarch:multi");
        var pulled = Path.Combine(_work, "dst-index");
        await Skopeo("copy", "--all", "--preserve-digests", "--src-tls-verify=false",
            $"docker://{registry.RegistryHost}/e2e/multiarch:multi", $"oci:{pulled}:multi");

        Assert.Equal(index.Digest, OciLayout.DigestOf(pulled, "multi"));
        // index + 2 manifests + 2 configs + 3 distinct layers
        AssertSameBlobs(source.Root, pulled, expectedCount: 8);
    }

    private static void AssertSameBlobs(string expectedRoot, string actualRoot, int expectedCount)
    {
        var expected = Directory.GetFiles(Path.Combine(expectedRoot, "blobs", "sha256")).Select(Path.GetFileName).Order().ToArray();
        var actual = Directory.GetFiles(Path.Combine(actualRoot, "blobs", "sha256")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(expectedCount, expected.Length);
        Assert.Equal(expected, actual);
        foreach (var name in expected)
            Assert.Equal(File.ReadAllBytes(Path.Combine(expectedRoot, "blobs", "sha256", name!)),
                File.ReadAllBytes(Path.Combine(actualRoot, "blobs", "sha256", name!)));
    }

    private static Task<string> Skopeo(params string[] args) =>
        Tool.RunCheckedAsync("skopeo", ["--insecure-policy", .. args], TimeSpan.FromMinutes(3));

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }
}
