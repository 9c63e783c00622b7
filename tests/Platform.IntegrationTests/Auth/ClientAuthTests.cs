using System.Formats.Tar;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Auth;

/// <summary>Real clients through the token flow: skopeo with --dest-creds, podman login then push and pull.</summary>
[Collection(AuthCollection.Name)]
public sealed class ClientAuthTests(AuthFixture auth) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-authclients-").FullName;

    [Fact]
    public async Task Skopeo_pushes_and_pulls_with_credentials_and_is_refused_without()
    {
        var ns = $"sk{Guid.NewGuid():N}"[..12];
        await auth.CreateUserAsync(ns + "dev", "password-1");
        await auth.CreateNamespaceAsync(ns);
        await auth.AddMemberAsync(ns, ns + "dev", "developer");

        var source = new OciLayout(Path.Combine(_work, "src"));
        var image = source.AddImage("amd64", [source.AddLayer("a.bin", 300_000, seed: 1)], seed: 1);
        source.Tag(image, "v1");
        var target = $"docker://{auth.RegistryHost}/{ns}/app:v1";

        var refused = await Tool.RunAsync("skopeo", ["--insecure-policy", "copy", "--dest-tls-verify=false", $"oci:{source.Root}:v1", target],
            TimeSpan.FromMinutes(3));
        Assert.NotEqual(0, refused.ExitCode);

        await Tool.RunCheckedAsync("skopeo", ["--insecure-policy", "copy", "--preserve-digests", "--dest-tls-verify=false",
            "--dest-creds", $"{ns}dev:password-1", $"oci:{source.Root}:v1", target], TimeSpan.FromMinutes(3));
        var pulled = Path.Combine(_work, "dst");
        await Tool.RunCheckedAsync("skopeo", ["--insecure-policy", "copy", "--src-tls-verify=false",
            "--src-creds", $"{ns}dev:password-1", target, $"oci:{pulled}:v1"], TimeSpan.FromMinutes(3));
        Assert.Equal(image.Digest, OciLayout.DigestOf(pulled, "v1"));
    }

    [Fact]
    public async Task Podman_logs_in_then_pushes_and_pulls()
    {
        var ns = $"pm{Guid.NewGuid():N}"[..12];
        await auth.CreateUserAsync(ns + "dev", "password-1");
        await auth.CreateNamespaceAsync(ns);
        await auth.AddMemberAsync(ns, ns + "dev", "maintainer");

        var rootfs = Path.Combine(_work, "rootfs.tar");
        await using (var tar = new TarWriter(File.Create(rootfs), TarEntryFormat.Pax))
        {
            var payload = new byte[100_000];
            new Random(7).NextBytes(payload);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "data.bin") { DataStream = new MemoryStream(payload) });
        }
        var authfile = Path.Combine(_work, "auth.json");
        var local = $"localhost/{ns}/podman:v1";
        var remote = $"{auth.RegistryHost}/{ns}/podman:v1";
        var imageId = (await Podman("import", rootfs, local)).Trim().Split('\n').Last().Replace("sha256:", "");

        await Podman("login", "--tls-verify=false", "--authfile", authfile, "-u", ns + "dev", "-p", "password-1", auth.RegistryHost);
        await Podman("push", "--tls-verify=false", "--authfile", authfile, local, remote);
        await Podman("rmi", "--force", local);
        await Podman("pull", "--tls-verify=false", "--authfile", authfile, remote);
        Assert.Equal(imageId, (await Podman("image", "inspect", "--format", "{{.Id}}", remote)).Trim());

        var badLogin = await Tool.RunAsync("podman", [.. PodmanBase(), "login", "--tls-verify=false", "--authfile", authfile + ".2",
            "-u", ns + "dev", "-p", "wrong-password", auth.RegistryHost], TimeSpan.FromMinutes(1));
        Assert.NotEqual(0, badLogin.ExitCode);
    }

    private string[] PodmanBase() =>
    [
        "--root", Path.Combine(_work, "storage"), "--runroot", Path.Combine(_work, "run"),
        "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none",
    ];

    private Task<string> Podman(params string[] args) => Tool.RunCheckedAsync("podman", [.. PodmanBase(), .. args], TimeSpan.FromMinutes(3));

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
