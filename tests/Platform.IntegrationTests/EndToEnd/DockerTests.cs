using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Platform.IntegrationTests.Auth;
using Platform.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Platform.IntegrationTests.EndToEnd;

/// <summary>
/// docker itself, a real Docker daemon (the private one `make test` starts), against the gateway with auth on:
/// docker login, docker push of a multi-layer image, docker rmi, docker pull, and the digests docker reports
/// compared with what the registry stores. Over plain HTTP on loopback and over a TLS listener with a test CA.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed partial class DockerTests(AuthFixture auth, ITestOutputHelper output) : IDisposable
{
    /// <summary>A name that never resolves (RFC 2606): the daemon reaches it through <see cref="ConnectProxy"/>.</summary>
    private const string TlsName = "platform.invalid";

    private const string ManifestTypes = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";
    private readonly string _work = Directory.CreateTempSubdirectory("platform-docker-").FullName;
    private readonly List<string> _certDirectories = [];
    private DockerCli Docker => new(Path.Combine(_work, "docker-config"));

    [Fact]
    public async Task Login_push_rmi_pull_over_plain_http_keeps_every_digest()
    {
        var (ns, user, password) = await DeveloperAsync("dh");
        await RoundTripAsync(auth.RegistryHost, ns, user, password);
    }

    [Fact]
    public async Task Login_push_rmi_pull_over_the_tls_port_on_loopback_with_the_ca_in_certs_d()
    {
        var (ns, user, password) = await DeveloperAsync("dt");
        var certificates = new TestCertificates(Path.Combine(_work, "tls"));
        var tlsPort = ThrowawayPostgres.FreePort();
        await using var gateway = TlsGateway(tlsPort, certificates);
        var host = $"127.0.0.1:{tlsPort}";
        Trust(host, certificates);

        // The TLS port speaks nothing but TLS, so this passes only if docker did TLS with the gateway. (Docker counts
        // 127.0.0.0/8 as an insecure registry: it uses HTTPS when offered but does not verify the certificate
        // there, so the CA in certs.d is not consulted; the test below is the one with verification.)
        await RoundTripAsync(host, ns, user, password);
    }

    [Fact]
    public async Task Over_tls_docker_verifies_the_gateway_certificate_against_the_ca_in_certs_d()
    {
        var (ns, user, password) = await DeveloperAsync("dv");
        var certificates = new TestCertificates(Path.Combine(_work, "tls"), TlsName);
        var tlsPort = ThrowawayPostgres.FreePort();
        await using var gateway = TlsGateway(tlsPort, certificates);
        var host = $"{TlsName}:{tlsPort}";
        await using var proxy = new ConnectProxy(DockerCli.ProxyPort, new Dictionary<string, int> { [host] = tlsPort });

        // Without the CA the daemon refuses the certificate...
        var untrusted = await Docker.RunAsync(["login", "-u", user, "--password-stdin", host], password);
        AssertFailed(untrusted, "certificate signed by unknown authority");
        Assert.Contains(host, proxy.Tunnelled);

        // ...with the CA in /etc/docker/certs.d/HOST:PORT/ca.crt it trusts it, without a restart (read per request).
        Trust(host, certificates);
        await RoundTripAsync(host, ns, user, password);
    }

    [Fact]
    public async Task Login_with_a_wrong_password_fails_with_unauthorized()
    {
        var (_, user, _) = await DeveloperAsync("dw");
        var login = await Docker.RunAsync(["login", "-u", user, "--password-stdin", auth.RegistryHost], "not-the-password");
        AssertFailed(login, "unauthorized");
        Assert.DoesNotContain("Login Succeeded", login.StdOut);
        var config = Path.Combine(_work, "docker-config", "config.json");
        Assert.True(!File.Exists(config) || !File.ReadAllText(config).Contains(auth.RegistryHost),
            "a failed login must not store credentials");
    }

    [Fact]
    public async Task Pulling_a_tag_or_repository_that_does_not_exist_fails_clearly()
    {
        var (ns, user, password) = await DeveloperAsync("dn");
        await Docker.RunCheckedAsync(["login", "-u", user, "--password-stdin", auth.RegistryHost], password);

        // No such repository (404 NAME_UNKNOWN): docker says so.
        var noRepository = await Docker.RunAsync(["pull", $"{auth.RegistryHost}/{ns}/app:v1"]);
        AssertFailed(noRepository, $"repository {auth.RegistryHost}/{ns}/app not found");

        // A repository with v1 pushed, but no such tag (404 MANIFEST_UNKNOWN).
        await PushAsync(auth.RegistryHost, ns);
        var remote = $"{auth.RegistryHost}/{ns}/app:no-such-tag";
        var noTag = await Docker.RunAsync(["pull", remote]);
        AssertFailed(noTag, $"manifest for {remote} not found: manifest unknown");
    }

    // ---- the round trip

    /// <summary>
    /// Log in to <paramref name="host"/>, push a three-layer image, remove it locally, pull it back, and check the
    /// digests: what docker push printed, the registry's manifest digest, docker's RepoDigests; the image id (the
    /// config's digest); each layer blob the registry stores unpacks to the layer docker has.
    /// </summary>
    private async Task RoundTripAsync(string host, string ns, string user, string password)
    {
        var login = await Docker.RunCheckedAsync(["login", "-u", user, "--password-stdin", host], password);
        Assert.Contains("Login Succeeded", login);
        var (remote, local, imageId, pushed, diffIds) = await PushAsync(host, ns);

        // The registry has that manifest under the tag, with the image's config and three layers.
        using var registry = auth.WithToken(await auth.TokenAsync(user, password, $"repository:{ns}/app:pull"));
        using var get = new HttpRequestMessage(HttpMethod.Get, $"/v2/{ns}/app/manifests/v1");
        get.Headers.Accept.ParseAdd(ManifestTypes);
        using var response = await registry.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(pushed, response.Headers.GetValues("Docker-Content-Digest").Single());
        var manifestBytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(pushed, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifestBytes)));
        using var manifest = JsonDocument.Parse(manifestBytes);
        Assert.Equal(imageId, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToArray();
        Assert.Equal(3, layers.Length);

        await Docker.RunCheckedAsync("rmi", remote, local);
        Assert.NotEqual(0, (await Docker.RunAsync(["image", "inspect", remote])).ExitCode);

        var pull = await Docker.RunCheckedAsync("pull", remote);
        Assert.Contains($"Digest: {pushed}", pull);
        Assert.Equal($"{host}/{ns}/app@{pushed}",
            (await Docker.RunCheckedAsync("image", "inspect", "--format", "{{index .RepoDigests 0}}", remote)).Trim());
        Assert.Equal(imageId, (await Docker.RunCheckedAsync("image", "inspect", "--format", "{{.Id}}", remote)).Trim());
        var pulledLayers = JsonSerializer.Deserialize<string[]>(
            await Docker.RunCheckedAsync("image", "inspect", "--format", "{{json .RootFS.Layers}}", remote))!;
        Assert.Equal(diffIds, pulledLayers);

        // Layer by layer: the blob under each digest of the manifest is that digest, and unpacks to docker's layer.
        for (var i = 0; i < layers.Length; i++)
        {
            var blob = await registry.GetByteArrayAsync($"/v2/{ns}/app/blobs/{layers[i]}");
            Assert.Equal(layers[i], "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob)));
            using var tar = new MemoryStream();
            await using (var gzip = new GZipStream(new MemoryStream(blob), CompressionMode.Decompress))
                await gzip.CopyToAsync(tar);
            Assert.Equal(pulledLayers[i], "sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar.ToArray())));
        }
    }

    /// <summary>docker load of a new three-layer image, docker tag as HOST/NS/app:v1, docker push; the digest it printed.</summary>
    private async Task<(string Remote, string Local, string ImageId, string Pushed, string[] DiffIds)> PushAsync(string host, string ns)
    {
        var (archive, local, diffIds) = await BuildImageAsync(ns);
        var remote = $"{host}/{ns}/app:v1";
        await Docker.RunCheckedAsync("load", "-i", archive);
        var imageId = (await Docker.RunCheckedAsync("image", "inspect", "--format", "{{.Id}}", local)).Trim();
        await Docker.RunCheckedAsync("tag", local, remote);
        var push = await Docker.RunCheckedAsync("push", remote);
        var pushed = PushDigest().Match(push) is { Success: true } m ? m.Groups[1].Value
            : throw new InvalidOperationException($"no digest in docker push's output:\n{push}");
        return (remote, local, imageId, pushed, diffIds);
    }

    /// <summary>A three-layer image as a docker-archive (from an OCI layout, by skopeo), its local name and diff ids.</summary>
    private async Task<(string Archive, string Local, string[] DiffIds)> BuildImageAsync(string ns)
    {
        var source = new OciLayout(Path.Combine(_work, "src"));
        var seed = ns.GetHashCode();
        var layers = new[]
        {
            source.AddLayer("small.bin", 2_000, seed),
            source.AddLayer("medium.bin", 400_000, seed + 1),
            source.AddLayer("large.bin", 3_000_000, seed + 2),
        };
        source.Tag(source.AddImage("amd64", layers, seed), "v1");
        var local = $"local/{ns}:v1";
        var archive = Path.Combine(_work, "image.tar");
        await Tool.RunCheckedAsync("skopeo", ["--insecure-policy", "copy", $"oci:{source.Root}:v1", $"docker-archive:{archive}:{local}"],
            TimeSpan.FromMinutes(3));

        var blobs = Path.Combine(source.Root, "blobs", "sha256");
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(blobs, OciLayout.DigestOf(source.Root, "v1")[7..])));
        var configDigest = manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!;
        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(blobs, configDigest[7..])));
        var diffIds = config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()!).ToArray();
        return (archive, local, diffIds);
    }

    // ---- set-up

    /// <summary>A namespace of its own and a developer (push and pull) in it.</summary>
    private async Task<(string Namespace, string User, string Password)> DeveloperAsync(string prefix)
    {
        var ns = $"{prefix}{Guid.NewGuid():N}"[..12];
        var user = ns + "dev";
        const string password = "docker-password-1";
        await auth.CreateUserAsync(user, password);
        await auth.CreateNamespaceAsync(ns);
        await auth.AddMemberAsync(ns, user, "developer");
        return (ns, user, password);
    }

    /// <summary>Another gateway of the auth fixture (same accounts, keys, backends), serving HTTPS only, on <paramref name="port"/>.</summary>
    private WebApplicationFactory<Platform.Gateway.GatewayService> TlsGateway(int port, TestCertificates certificates)
    {
        var gateway = auth.Gateway(b =>
        {
            b.UseSetting("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{port}");
            b.UseSetting("Kestrel:Endpoints:Https:Certificate:Path", certificates.ServerCertificate);
            b.UseSetting("Kestrel:Endpoints:Https:Certificate:KeyPath", certificates.ServerKey);
        });
        gateway.UseKestrel();
        gateway.StartServer();
        return gateway;
    }

    /// <summary>Puts the test CA where the Docker daemon looks for a registry's CA; removed again in Dispose.</summary>
    private void Trust(string host, TestCertificates certificates)
    {
        const string certsD = "/etc/docker/certs.d";
        if (!Directory.Exists(certsD))
            _certDirectories.Add(certsD);
        var directory = Path.Combine(certsD, host);
        Directory.CreateDirectory(directory);
        _certDirectories.Insert(0, directory);
        File.Copy(certificates.CaCertificate, Path.Combine(directory, "ca.crt"), overwrite: true);
    }

    /// <summary>The command failed (exit code not 0) and said <paramref name="message"/> on stderr.</summary>
    private void AssertFailed(Tool.Result result, string message)
    {
        output.WriteLine($"exit {result.ExitCode}: {result.StdErr.Trim()}");
        Assert.True(result.ExitCode != 0, $"expected a failure, got exit 0:\n{result.StdOut}\n{result.StdErr}");
        Assert.True(result.StdErr.Contains(message, StringComparison.OrdinalIgnoreCase),
            $"expected \"{message}\" in the error (exit {result.ExitCode}):\n{result.StdErr}");
    }

    [GeneratedRegex(@"digest: (sha256:[0-9a-f]{64}) size: \d+")]
    private static partial Regex PushDigest();

    public void Dispose()
    {
        foreach (var directory in _certDirectories)
            try
            {
                if (directory.EndsWith("certs.d", StringComparison.Ordinal)) Directory.Delete(directory); // only if empty
                else Directory.Delete(directory, recursive: true);
            }
            catch (IOException) { }
        try { Directory.Delete(_work, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
