using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Events;
using Platform.IntegrationTests.Infrastructure;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;

namespace Platform.IntegrationTests.Pinning;

/// <summary>
/// Manifests and indexes are on IPFS like blobs, in the namespace's mode, with their CID in the repository API,
/// and a manifest whose record is lost is served from its IPFS copy: an image's whole content lives on the node.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ManifestPinningTests(PlatformFixture fixture)
{
    private PlatformStack Stack => fixture.Stack;
    private PlatformProbe Probe => new(Stack);

    [Fact]
    public async Task A_public_manifest_and_index_are_on_ipfs_as_they_are_and_served_from_there_when_their_records_are_lost()
    {
        var ns = UniqueNamespace("mpub");
        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: true);
        var repo = $"{ns}/app";
        var client = new RegistryClient(Stack.Gateway);
        var (digest, body) = await client.PushImageAsync(repo, "v1", seed: 31);
        var index = ManifestTests.Index(RegistryClient.Descriptor(RegistryClient.OciManifest, digest, body.Length));
        using (var put = await client.PutManifestAsync(repo, "multi", index, RegistryClient.OciIndex))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var indexDigest = RegistryClient.DigestOf(index);

        var pin = await WaitPinAsync(digest, PinModes.Public);
        var indexPin = await WaitPinAsync(indexDigest, PinModes.Public);
        Assert.Equal(body, await CatAsync(pin.Cid!));
        Assert.Equal(index, await CatAsync(indexPin.Cid!));

        // The repository API shows each manifest's CID and what it names.
        var manifests = (await RepositoryAsync(repo)).GetProperty("manifests").EnumerateArray().ToDictionary(m => m.GetProperty("digest").GetString()!);
        Assert.Equal(pin.Cid, manifests[digest].GetProperty("cid").GetString());
        Assert.Equal("public", manifests[digest].GetProperty("ipfsMode").GetString());
        Assert.Equal(indexPin.Cid, manifests[indexDigest].GetProperty("cid").GetString());

        await Probe.LoseManifestRecordAsync(repo, digest);
        await Probe.LoseManifestRecordAsync(repo, indexDigest);
        await AssertPullsAsync(repo, "v1", body, RegistryClient.OciManifest);
        await AssertPullsAsync(repo, indexDigest, index, RegistryClient.OciIndex);
    }

    [Fact]
    public async Task A_private_manifest_is_on_ipfs_as_ciphertext_and_still_served_from_it()
    {
        // A namespace nobody configured is private: encrypted.
        var ns = UniqueNamespace("mpriv");
        var repo = $"{ns}/app";
        var (digest, body) = await new RegistryClient(Stack.Gateway).PushImageAsync(repo, "v1", seed: 32);

        var pin = await WaitPinAsync(digest, PinModes.Encrypted);
        Assert.Equal(ns, pin.KeyId);
        var onIpfs = await CatAsync(pin.Cid!);
        Assert.NotEqual(body, onIpfs);
        Assert.Equal(-1, onIpfs.AsSpan().IndexOf("\"layers\""u8));

        await Probe.LoseManifestRecordAsync(repo, digest);
        await AssertPullsAsync(repo, "v1", body, RegistryClient.OciManifest);
    }

    [Fact]
    public async Task Ipfs_off_unpins_a_manifest_and_a_deleted_manifest_is_unpinned()
    {
        var ns = UniqueNamespace("moff");
        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: true);
        var repo = $"{ns}/app";
        var client = new RegistryClient(Stack.Gateway);
        var (first, _) = await client.PushImageAsync(repo, "v1", seed: 33);
        var (second, _) = await client.PushImageAsync(repo, "v2", seed: 34);
        var firstCid = (await WaitPinAsync(first, PinModes.Public)).Cid!;
        await WaitPinAsync(second, PinModes.Public);

        using (var delete = await Stack.Gateway.DeleteAsync($"/v2/{repo}/manifests/{first}"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        await WaitAsync(async () => await Probe.ManifestPinAsync(first) is { Pinned: false }, "the deleted manifest unpinned");
        Assert.False(await Probe.Ipfs().IsPinnedAsync(firstCid));

        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: true, mode: "off");
        await WaitAsync(async () => await Probe.ManifestPinAsync(second) is { Pinned: false }, "the manifest unpinned for ipfs: off");
    }

    [Fact]
    public async Task The_reconciler_pins_a_manifest_again_when_the_node_lost_its_pin()
    {
        var ns = UniqueNamespace("mrec");
        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: true);
        var (digest, body) = await new RegistryClient(Stack.Gateway).PushImageAsync($"{ns}/app", "v1", seed: 36);
        var cid = (await WaitPinAsync(digest, PinModes.Public)).Cid!;

        var ipfs = Probe.Ipfs();
        await ipfs.PinRmAsync(cid);
        Assert.False(await ipfs.IsPinnedAsync(cid));

        await WaitAsync(() => ipfs.IsPinnedAsync(cid), "the manifest pinned again by the reconciler");
        Assert.Equal(body, await CatAsync(cid));
    }

    [Fact]
    public async Task A_lost_record_of_a_manifest_never_pinned_is_503_and_an_unknown_one_still_404()
    {
        var ns = UniqueNamespace("mnone");
        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: true, mode: "off");
        var repo = $"{ns}/app";
        var (digest, _) = await new RegistryClient(Stack.Gateway).PushImageAsync(repo, "v1", seed: 35);
        await Probe.LoseManifestRecordAsync(repo, digest);

        using var lost = await Stack.Gateway.GetAsync($"/v2/{repo}/manifests/v1");
        await RegistryClient.AssertErrorAsync(lost, HttpStatusCode.ServiceUnavailable, "UNAVAILABLE");
        Assert.NotNull(lost.Headers.RetryAfter);
        using var unknown = await Stack.Gateway.GetAsync($"/v2/{repo}/manifests/{RegistryClient.DigestOf("nothing"u8.ToArray())}");
        await RegistryClient.AssertErrorAsync(unknown, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
    }

    private async Task AssertPullsAsync(string repo, string reference, byte[] body, string mediaType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{repo}/manifests/{reference}");
        request.Headers.Accept.ParseAdd($"{RegistryClient.OciManifest}, {RegistryClient.OciIndex}");
        using var response = await Stack.Gateway.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"got {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        Assert.Equal(body, bytes);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(RegistryClient.DigestOf(body), response.Headers.GetValues("Docker-Content-Digest").Single());
    }

    private async Task<ManifestPin> WaitPinAsync(string digest, string mode)
    {
        ManifestPin? pin = null;
        await WaitAsync(async () => (pin = await Probe.ManifestPinAsync(digest)) is { Pinned: true, Cid: not null } p && p.IpfsMode == mode,
            $"manifest {digest} pinned {mode}");
        return pin!;
    }

    private async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not within 30 s: {what}\n{Stack.Pinning.Output}");
            await Task.Delay(100);
        }
    }

    private async Task<byte[]> CatAsync(string cid)
    {
        await using var content = await Probe.Ipfs().CatAsync(cid) ?? throw new InvalidOperationException($"the node does not have {cid}");
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private async Task<JsonElement> RepositoryAsync(string repo)
    {
        using var response = await Stack.Gateway.GetAsync($"/api/v1/repositories/{repo}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string UniqueNamespace(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
