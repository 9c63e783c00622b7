using System.Formats.Tar;
using System.Net;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.EndToEnd;

/// <summary>
/// podman, the client most users have, pushes to the gateway and pulls back. It runs rootful on its own vfs
/// storage in a temporary folder, so no daemon, no system storage and no other test is touched.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class PodmanTests(RegistryFixture registry) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-podman-").FullName;

    [Theory]
    [InlineData("oci")]
    [InlineData("v2s2")]
    public async Task Podman_push_then_pull_gives_the_same_image(string format)
    {
        var rootfs = Path.Combine(_work, "rootfs.tar");
        await using (var tar = new TarWriter(File.Create(rootfs), TarEntryFormat.Pax))
        {
            var payload = new byte[200_000];
            new Random(format.Length).NextBytes(payload);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "data.bin") { DataStream = new MemoryStream(payload) });
        }
        var local = $"localhost/e2e/podman-{format}:v1";
        var remote = $"{registry.RegistryHost}/e2e/podman-{format}:v1";
        var imageId = (await Podman("import", rootfs, local)).Trim().Split('\n').Last().Replace("sha256:", "");

        var digestFile = Path.Combine(_work, "digest");
        await Podman("push", "--tls-verify=false", "--format", format, "--digestfile", digestFile, local, remote);
        var pushed = File.ReadAllText(digestFile).Trim();

        using (var head = await registry.Gateway.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/e2e/podman-{format}/manifests/v1")))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(pushed, head.Headers.GetValues("Docker-Content-Digest").Single());
        }

        await Podman("rmi", "--force", local);
        await Podman("pull", "--tls-verify=false", remote);
        var pulledId = (await Podman("image", "inspect", "--format", "{{.Id}}", remote)).Trim();
        var pulledDigest = (await Podman("image", "inspect", "--format", "{{.Digest}}", remote)).Trim();
        Assert.Equal(imageId, pulledId);
        Assert.Equal(pushed, pulledDigest);
    }

    private Task<string> Podman(params string[] args) =>
        Tool.RunCheckedAsync("podman",
        [
            "--root", Path.Combine(_work, "storage"), "--runroot", Path.Combine(_work, "run"),
            "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none", .. args,
        ], TimeSpan.FromMinutes(3));

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
