using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Events;
using Platform.IntegrationTests.Infrastructure;
using Platform.Ingest.Storage;
using Platform.Pinning.Encryption;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;
using Platform.Registry.Writing;

namespace Platform.IntegrationTests.Pinning;

/// <summary>
/// Issue 15, finding 3 ("private content on IPFS is public content"), as the attack: whoever learns a private
/// blob's CID asks the IPFS node for it. With encryption the node has ciphertext only; the registry still serves
/// the blob from that copy when its local file is gone.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class EncryptedPinningTests(PlatformFixture fixture)
{
    private static readonly byte[] Marker = "PLATFORM-PRIVATE-MARKER-7f3a"u8.ToArray();
    private PlatformStack Stack => fixture.Stack;

    [Fact]
    public async Task A_private_blob_is_on_ipfs_as_ciphertext_and_pulls_back_from_it_with_the_local_file_gone()
    {
        // A namespace nobody configured is private: encrypted.
        var ns = UniqueNamespace("private");
        var repo = $"{ns}/app";
        var blob = Secret(300_000);
        var digest = await new RegistryClient(Stack.Gateway).PushBlobAsync(repo, blob);
        var probe = new PlatformProbe(Stack);
        var record = await WaitModeAsync(probe, digest, PinModes.Encrypted);
        Assert.Equal(ns, record.KeyId);

        // What anyone with the CID gets from IPFS: not the blob, and nothing of it.
        var onIpfs = await CatAsync(probe, record.Cid!);
        Assert.NotEqual(blob, onIpfs);
        Assert.Equal(-1, onIpfs.AsSpan().IndexOf(Marker));
        Assert.Equal(ChunkedAead.CiphertextLength(blob.Length), onIpfs.Length);
        Assert.Equal("PLTE"u8.ToArray(), onIpfs[..4]);

        // The API shows the CID and the mode.
        var info = await BlobInfoAsync(repo, digest);
        Assert.Equal(record.Cid, info.GetProperty("cid").GetString());
        Assert.Equal("encrypted", info.GetProperty("ipfsMode").GetString());

        // The local file gone, the pull is served from the encrypted copy (through Pinning), digest verified.
        File.Delete(Path.Combine(Stack.StorageRoot, ContentStore.RelativeBlobPath(digest)));
        Assert.Equal(blob, await PullAsync(repo, digest));
    }

    [Fact]
    public async Task A_public_namespace_blob_is_on_ipfs_as_it_is()
    {
        var ns = UniqueNamespace("public");
        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: true);
        var repo = $"{ns}/app";
        var blob = Secret(100_000);
        var digest = await new RegistryClient(Stack.Gateway).PushBlobAsync(repo, blob);
        var probe = new PlatformProbe(Stack);
        var record = await WaitModeAsync(probe, digest, PinModes.Public);

        Assert.Equal(blob, await CatAsync(probe, record.Cid!));
        Assert.Equal("public", (await BlobInfoAsync(repo, digest)).GetProperty("ipfsMode").GetString());
        File.Delete(Path.Combine(Stack.StorageRoot, ContentStore.RelativeBlobPath(digest)));
        Assert.Equal(blob, await PullAsync(repo, digest));
    }

    [Fact]
    public async Task A_namespace_made_private_gets_ciphertext_and_its_plain_copy_unpinned_and_off_unpins_everything()
    {
        var ns = UniqueNamespace("flip");
        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: true);
        var repo = $"{ns}/app";
        var blob = Secret(70_000);
        var digest = await new RegistryClient(Stack.Gateway).PushBlobAsync(repo, blob);
        var probe = new PlatformProbe(Stack);
        var plainCid = (await WaitModeAsync(probe, digest, PinModes.Public)).Cid!;

        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: false);
        var encrypted = await WaitModeAsync(probe, digest, PinModes.Encrypted);
        Assert.NotEqual(plainCid, encrypted.Cid);
        var ipfs = probe.Ipfs();
        Assert.False(await ipfs.IsPinnedAsync(plainCid), "the plain copy is still pinned");
        Assert.True(await ipfs.IsPinnedAsync(encrypted.Cid!));
        Assert.Equal(-1, (await CatAsync(probe, encrypted.Cid!)).AsSpan().IndexOf(Marker));

        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: false, mode: "off");
        await WaitAsync(async () => await probe.BlobAsync(digest) is { Pinned: false }, "the blob unpinned for ipfs: off");
        Assert.False(await ipfs.IsPinnedAsync(encrypted.Cid!));
    }

    [Fact]
    public async Task A_blob_shared_by_a_private_and_a_public_namespace_is_public_and_encrypted_again_when_the_public_link_goes()
    {
        var privateNs = UniqueNamespace("shared-priv");
        var publicNs = UniqueNamespace("shared-pub");
        await NamespaceSettingsMessages.PublishAsync(Stack, publicNs, isPublic: true);
        var client = new RegistryClient(Stack.Gateway);
        var blob = Secret(50_000);
        var digest = await client.PushBlobAsync($"{privateNs}/app", blob);
        var probe = new PlatformProbe(Stack);
        var first = await WaitModeAsync(probe, digest, PinModes.Encrypted);

        // Anyone may pull it from the public namespace: its IPFS copy is public too.
        await client.PushBlobAsync($"{publicNs}/app", blob);
        var shared = await WaitModeAsync(probe, digest, PinModes.Public);
        Assert.Equal(blob, await CatAsync(probe, shared.Cid!));

        using (var delete = await Stack.Gateway.DeleteAsync($"/v2/{publicNs}/app/blobs/{digest}"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        var back = await WaitModeAsync(probe, digest, PinModes.Encrypted);
        // The same data key as the first time: the same ciphertext, the same CID.
        Assert.Equal(first.Cid, back.Cid);
        Assert.False(await probe.Ipfs().IsPinnedAsync(shared.Cid!));
        Assert.Equal(-1, (await CatAsync(probe, back.Cid!)).AsSpan().IndexOf(Marker));
    }

    [Fact]
    public async Task Rotating_a_namespace_key_wraps_the_data_keys_again_and_old_and_new_blobs_still_pull_from_ipfs()
    {
        var ns = UniqueNamespace("rotate");
        var repo = $"{ns}/app";
        var client = new RegistryClient(Stack.Gateway);
        var probe = new PlatformProbe(Stack);
        var oldBlob = Secret(140_000);
        var oldDigest = await client.PushBlobAsync(repo, oldBlob);
        var oldCid = (await WaitModeAsync(probe, oldDigest, PinModes.Encrypted)).Cid;
        var (version, wrapped) = await BlobKeyRowAsync(oldDigest);
        Assert.Equal(1, version);

        using var pinning = new HttpClient { BaseAddress = new Uri(Stack.Pinning.Url), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using (var rotate = await pinning.PostAsync($"/internal/v1/namespaces/{ns}/keys/rotate", null))
        {
            Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
            var result = await rotate.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(2, result.GetProperty("version").GetInt32());
            Assert.Equal(1, result.GetProperty("rewrapped").GetInt32());
        }
        var (newVersion, rewrapped) = await BlobKeyRowAsync(oldDigest);
        Assert.Equal(2, newVersion);
        Assert.NotEqual(wrapped, rewrapped);
        // Content and CID untouched: only the wrapping changed.
        Assert.Equal(oldCid, (await probe.BlobAsync(oldDigest))!.Cid);

        var newBlob = Secret(20_000);
        var newDigest = await client.PushBlobAsync(repo, newBlob);
        await WaitModeAsync(probe, newDigest, PinModes.Encrypted);
        Assert.Equal(2, (await BlobKeyRowAsync(newDigest)).Version);
        using (var keys = await pinning.GetAsync($"/internal/v1/namespaces/{ns}/keys"))
            Assert.Equal([1, 2], (await keys.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("versions").EnumerateArray().Select(v => v.GetInt32()));

        foreach (var digest in new[] { oldDigest, newDigest })
            File.Delete(Path.Combine(Stack.StorageRoot, ContentStore.RelativeBlobPath(digest)));
        Assert.Equal(oldBlob, await PullAsync(repo, oldDigest));
        Assert.Equal(newBlob, await PullAsync(repo, newDigest));
    }

    [Fact]
    public async Task A_settings_message_seen_twice_or_late_changes_nothing()
    {
        var ns = UniqueNamespace("twice");
        var now = DateTimeOffset.UtcNow;
        var first = await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: true, occurredAt: now);
        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: true, occurredAt: now, eventId: first.Meta.EventId);
        // An older state arriving late (messages may overtake each other) does not win over the newer one.
        await NamespaceSettingsMessages.PublishAsync(Stack, ns, isPublic: false, mode: "off", occurredAt: now.AddMinutes(-5), waitStored: false);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal((true, null, first.Meta.EventId), await NamespaceSettingsMessages.StoredAsync(Stack, ns));
    }

    [Fact]
    public async Task A_tampered_encrypted_copy_is_never_served_as_the_blob()
    {
        var ns = UniqueNamespace("tamper");
        var repo = $"{ns}/app";
        var blob = Secret(200_000);
        var digest = await new RegistryClient(Stack.Gateway).PushBlobAsync(repo, blob);
        var probe = new PlatformProbe(Stack);
        var record = await WaitModeAsync(probe, digest, PinModes.Encrypted);

        // Whoever controls the node swaps in a copy with one byte flipped in its second chunk, and the registry's
        // record points at it (as a node serving other bytes for the CID would look).
        var tampered = await CatAsync(probe, record.Cid!);
        tampered[ChunkedAead.HeaderSize + 65536 + ChunkedAead.TagSize + 10] ^= 0x01;
        var ipfs = probe.Ipfs();
        var tamperedCid = (await ipfs.AddAsync(new MemoryStream(tampered), "tampered", pin: true)).Cid;
        var writer = Stack.IngestServices.GetRequiredService<RegistryWriter>();
        await writer.RecordPinnedAsync(digest, tamperedCid, blob.Length, PinModes.Encrypted, ns, WriteContext.System("system:test"), CancellationToken.None);
        File.Delete(Path.Combine(Stack.StorageRoot, ContentStore.RelativeBlobPath(digest)));

        // The pull breaks off (or is refused): the client never gets a complete response it could take for the blob.
        var error = await Record.ExceptionAsync(async () =>
        {
            using var response = await Stack.Gateway.GetAsync($"/v2/{repo}/blobs/{digest}");
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        });
        Assert.True(error is null or HttpRequestException or IOException, $"unexpected: {error}");
        Assert.Contains("does not decrypt", Stack.Pinning.Output);
    }

    private static string UniqueNamespace(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    // Random bytes with a known marker every 4 KiB: a leak of any chunk's plaintext shows.
    private static byte[] Secret(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        for (var at = 0; at + Marker.Length <= size; at += 4096)
            Marker.CopyTo(bytes, at);
        return bytes;
    }

    private async Task<BlobRecord> WaitModeAsync(PlatformProbe probe, string digest, string mode)
    {
        BlobRecord? record = null;
        await WaitAsync(async () => (record = await probe.BlobAsync(digest)) is { Pinned: true, Cid: not null } r && r.IpfsMode == mode,
            $"{digest} pinned {mode}");
        return record!;
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

    private static async Task<byte[]> CatAsync(PlatformProbe probe, string cid)
    {
        await using var content = await probe.Ipfs().CatAsync(cid) ?? throw new InvalidOperationException($"the node does not have {cid}");
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private async Task<byte[]> PullAsync(string repo, string digest)
    {
        using var response = await Stack.Gateway.GetAsync($"/v2/{repo}/blobs/{digest}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
        return bytes;
    }

    private async Task<JsonElement> BlobInfoAsync(string repo, string digest)
    {
        using var response = await Stack.Gateway.GetAsync($"/api/v1/repositories/{repo}/blobs/{digest}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<(int Version, byte[] Wrapped)> BlobKeyRowAsync(string digest)
    {
        await using var connection = new NpgsqlConnection(Stack.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT key_version, wrapped_key FROM pinning.blob_keys WHERE digest = @d", connection);
        command.Parameters.AddWithValue("d", digest);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no data key for {digest}");
        return (reader.GetInt32(0), (byte[])reader[1]);
    }
}
