using System.Net;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;
using Platform.IntegrationTests.Pinning;
using Platform.Registry;
using Platform.Registry.Events;

namespace Platform.IntegrationTests.Events;

/// <summary>A push travels: event store -> relay -> RabbitMQ -> Pinning (IPFS) and Audit.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PipelineTests(PlatformFixture fixture)
{
    private PlatformStack Stack => fixture.Stack;

    [Fact]
    public async Task After_a_push_every_blob_is_pinned_within_5_s_and_ipfs_serves_its_bytes()
    {
        var client = new RegistryClient(Stack.Gateway);
        var repo = RegistryClient.UniqueRepo("pipeline");
        // This test reads the blobs back from the node as they are: a public namespace's (a private one's are
        // ciphertext, see Pinning/EncryptedPinningTests).
        await NamespaceSettingsMessages.PublishAsync(Stack, "pipeline", isPublic: true);
        var (manifest, body) = await client.PushImageAsync(repo, "v1", seed: 1, layers: 3);
        var blobs = BlobsOf(body);

        var probe = new PlatformProbe(Stack);
        var cids = await probe.WaitPinnedAsync(blobs, TimeSpan.FromSeconds(5));

        var ipfs = probe.Ipfs();
        foreach (var (digest, cid) in cids)
        {
            Assert.True(await ipfs.IsPinnedAsync(cid), $"{cid} is not pinned on the node");
            Assert.Equal(digest, await PlatformProbe.Sha256Async((await ipfs.CatAsync(cid))!));
        }
        _ = manifest;
    }

    [Fact]
    public async Task The_audit_log_has_the_push_in_commit_order_and_verifies()
    {
        var client = new RegistryClient(Stack.Gateway);
        var repo = RegistryClient.UniqueRepo("audit");
        var (manifest, _) = await client.PushImageAsync(repo, "v1", seed: 2, layers: 2);
        using (var delete = await Stack.Gateway.DeleteAsync($"/v2/{repo}/manifests/v1"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);

        var probe = new PlatformProbe(Stack);
        var audit = await probe.WaitAuditAsync(repo, e => e.Any(x => x.GetProperty("action").GetString() == "tag.deleted"), TimeSpan.FromSeconds(15));

        // The same events, in the same order, as the event store committed them (chunk bookkeeping is internal).
        var store = Stack.IngestServices.GetRequiredService<IDocumentStore>();
        await using var query = store.QuerySession();
        var committed = (await query.Events.QueryAllRawEvents().Where(e => e.StreamKey!.StartsWith("repo:" + repo) || e.StreamKey!.StartsWith("upload:")).ToListAsync())
            .Where(e => RepositoryOf(e) == repo)
            .OrderBy(e => e.Sequence)
            .Select(e => (Action(e), e.Id))
            .ToList();
        Assert.Equal(committed.Select(c => c.Id), audit.Select(e => e.GetProperty("eventId").GetGuid()));
        Assert.Equal(committed.Select(c => c.Item1), audit.Select(e => e.GetProperty("action").GetString()));
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "manifest.pushed" && e.GetProperty("digest").GetString() == manifest);
        Assert.All(audit, e =>
        {
            Assert.Equal("anonymous", e.GetProperty("actor").GetString());
            Assert.Equal("127.0.0.1", e.GetProperty("clientAddress").GetString());
            Assert.False(string.IsNullOrEmpty(e.GetProperty("requestId").GetString()));
        });
        var sequences = audit.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);

        var verify = await probe.AuditAsync("/api/v1/audit/verify");
        Assert.True(verify.GetProperty("valid").GetBoolean(), verify.ToString());
        Assert.True(verify.GetProperty("checked").GetInt64() >= audit.Count);
    }

    private static string? RepositoryOf(IEvent e) => e.Data switch
    {
        UploadStarted x => x.Repository,
        UploadCompleted x => x.Repository,
        UploadCancelled x => x.Repository,
        BlobLinked x => x.Repository,
        BlobUnlinked x => x.Repository,
        ManifestPushed x => x.Repository,
        TagMoved x => x.Repository,
        TagDeleted x => x.Repository,
        ManifestDeleted x => x.Repository,
        _ => null,
    };

    private static string Action(IEvent e) => e.Data switch
    {
        UploadStarted => "upload.started",
        UploadCompleted => "upload.completed",
        UploadCancelled => "upload.cancelled",
        BlobLinked => "blob.linked",
        BlobUnlinked => "blob.unlinked",
        ManifestPushed => "manifest.pushed",
        TagMoved => "tag.moved",
        TagDeleted => "tag.deleted",
        ManifestDeleted => "manifest.deleted",
        _ => e.EventTypeName,
    };

    internal static List<string> BlobsOf(byte[] manifest)
    {
        using var doc = JsonDocument.Parse(manifest);
        var root = doc.RootElement;
        return [root.GetProperty("config").GetProperty("digest").GetString()!,
            .. root.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!)];
    }
}
