using System.IO.Compression;
using System.Net;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Events;
using Platform.IntegrationTests.Infrastructure;
using Platform.IntegrationTests.Pinning;
using static Platform.IntegrationTests.Canisters.CanisterArtifacts;

namespace Platform.IntegrationTests.Canisters;

/// <summary>A canister module travels like any blob: pinned on IPFS (the CID gives back the same bytes) and audited.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CanisterPipelineTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_modules_CID_on_IPFS_returns_the_same_bytes_and_the_push_is_audited()
    {
        var stack = platform.Stack;
        var probe = new PlatformProbe(stack);
        var ns = $"pipe{Guid.NewGuid():N}"[..16];
        var name = ns + "/ledger";
        // The node's copy is read back as it is: a public namespace's (a private one's is ciphertext).
        await NamespaceSettingsMessages.PublishAsync(stack, ns, isPublic: true);
        var wasm = Module("counter_v2");
        var pushed = await PushAsync(new RegistryClient(stack.Gateway), name, wasm, gzip: true, "main", "v2", Commit(name));

        using var resolve = await stack.Gateway.GetAsync($"/api/v1/canisters/{name}/resolve?selector=main:latest");
        var layer = (await RefusalAsync(resolve, HttpStatusCode.OK)).GetProperty("version").GetProperty("moduleDigest").GetString()!;
        var cid = (await probe.WaitPinnedAsync([layer], TimeSpan.FromSeconds(30)))[layer];

        // The version shows the CID, and the node serves the layer's bytes: gzip of exactly the pushed module.
        using (var versions = await stack.Gateway.GetAsync($"/api/v1/canisters/{name}/versions"))
        {
            var version = (await RefusalAsync(versions, HttpStatusCode.OK)).GetProperty("versions")[0];
            Assert.Equal(cid, version.GetProperty("cid").GetString());
            Assert.Equal("public", version.GetProperty("ipfsMode").GetString());
        }
        await using var fromIpfs = (await probe.Ipfs().CatAsync(cid))!;
        using var layerBytes = new MemoryStream();
        await fromIpfs.CopyToAsync(layerBytes);
        Assert.Equal(layer, HashOf(layerBytes.ToArray()));
        await using var gunzip = new GZipStream(new MemoryStream(layerBytes.ToArray()), CompressionMode.Decompress);
        using var module = new MemoryStream();
        await gunzip.CopyToAsync(module);
        Assert.Equal(wasm, module.ToArray());

        var audit = await probe.WaitAuditAsync(name, e => e.Any(x => x.GetProperty("action").GetString() == "canister.pushed"), TimeSpan.FromSeconds(20));
        var entry = Assert.Single(audit, e => e.GetProperty("action").GetString() == "canister.pushed");
        Assert.Equal(pushed.Digest, entry.GetProperty("digest").GetString());
        Assert.Equal($"main:v2@{pushed.Commit}", entry.GetProperty("tag").GetString());
        Assert.Equal("anonymous", entry.GetProperty("actor").GetString());
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "manifest.pushed" && e.GetProperty("digest").GetString() == pushed.Digest);
    }
}
