using System.Net;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Contracts;
using Platform.Hosting.Messaging;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;
using Platform.IntegrationTests.Pinning;
using Platform.Registry.Events;

namespace Platform.IntegrationTests.Events;

/// <summary>
/// Faults, each ending with nothing lost: the broker down during pushes, Pinning killed mid-burst, the IPFS node
/// down for a while, a message delivered twice, an audit row changed by hand. Each test has its own stack (its
/// own broker and database) so stopping things disturbs no other test.
/// </summary>
public sealed class FaultTests
{
    [Fact]
    public async Task RabbitMQ_stopped_during_20_pushes_loses_nothing()
    {
        await using var stack = await PlatformStack.StartAsync();
        var client = new RegistryClient(stack.Gateway);
        var prefix = RegistryClient.UniqueRepo("broker-down");

        await stack.Broker.StopServerAsync();
        // Pushes only write to PostgreSQL: they succeed with the broker down.
        var pushes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.PushImageAsync($"{prefix}/{i}", "v1", seed: 100 + i, layers: 1)));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stack.Broker.StartServerAsync();

        var probe = new PlatformProbe(stack);
        await probe.WaitPinnedAsync(pushes.SelectMany(p => PipelineTests.BlobsOf(p.Body)), TimeSpan.FromSeconds(120));
        await WaitEveryEventAuditedAsync(stack, probe, TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task Pinning_killed_mid_burst_and_restarted_pins_everything()
    {
        await using var stack = await PlatformStack.StartAsync();
        var client = new RegistryClient(stack.Gateway);
        var prefix = RegistryClient.UniqueRepo("pinning-killed");

        var burst = Task.WhenAll(Enumerable.Range(0, 15).Select(i => client.PushImageAsync($"{prefix}/{i}", "v1", seed: 200 + i, layers: 2)));
        await Task.Delay(400);
        await stack.Pinning.KillAsync();
        var pushes = await burst;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stack.Pinning.StartAsync();

        var probe = new PlatformProbe(stack);
        var cids = await probe.WaitPinnedAsync(pushes.SelectMany(p => PipelineTests.BlobsOf(p.Body)), TimeSpan.FromSeconds(60));
        var ipfs = probe.Ipfs();
        foreach (var cid in cids.Values.Distinct())
            Assert.True(await ipfs.IsPinnedAsync(cid));
    }

    [Fact]
    public async Task The_IPFS_node_down_for_a_while_delays_pins_but_loses_none()
    {
        await using var node = await ThrowawayIpfs.StartAsync();
        await using var stack = await PlatformStack.StartAsync(node.ApiUrl);
        var client = new RegistryClient(stack.Gateway);
        var prefix = RegistryClient.UniqueRepo("ipfs-down");
        // The blobs are read back from the node as they are: a public namespace (private ones are encrypted).
        await NamespaceSettingsMessages.PublishAsync(stack, "ipfs-down", isPublic: true);

        await node.KillAsync();
        var pushes = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => client.PushImageAsync($"{prefix}/{i}", "v1", seed: 300 + i, layers: 1)));
        var probe = new PlatformProbe(stack);
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Null((await probe.BlobAsync(PipelineTests.BlobsOf(pushes[0].Body)[0]))?.Cid);

        await node.StartNodeAsync();
        var cids = await probe.WaitPinnedAsync(pushes.SelectMany(p => PipelineTests.BlobsOf(p.Body)), TimeSpan.FromSeconds(90));
        var ipfs = probe.Ipfs(node.ApiUrl);
        foreach (var (digest, cid) in cids)
            Assert.Equal(digest, await PlatformProbe.Sha256Async((await ipfs.CatAsync(cid))!));
    }

    [Fact]
    public async Task A_message_delivered_twice_is_recorded_and_pinned_once()
    {
        await using var stack = await PlatformStack.StartAsync();
        var client = new RegistryClient(stack.Gateway);
        var repo = RegistryClient.UniqueRepo("twice");
        var (_, body) = await client.PushImageAsync(repo, "v1", seed: 400, layers: 1);
        var blobs = PipelineTests.BlobsOf(body);
        var probe = new PlatformProbe(stack);
        await probe.WaitPinnedAsync(blobs, TimeSpan.FromSeconds(10));
        var before = await probe.WaitAuditAsync(repo, e => e.Any(x => x.GetProperty("action").GetString() == "tag.moved"), TimeSpan.FromSeconds(15));

        // Hand the relays' messages over again, as at-least-once relays may after a crash: same ids, same content,
        // published to the contracts' exchanges (Pinning) and sent to the audit log's inbox.
        var store = stack.IngestServices.GetRequiredService<IDocumentStore>();
        var broker = stack.IngestServices.GetRequiredService<RabbitPublisher>();
        await using (var query = store.QuerySession())
        {
            var events = await query.Events.FetchStreamAsync($"repo:{repo}");
            var stored = await query.Events.FetchStreamAsync($"blob:{blobs[0]}");
            foreach (var e in events.Concat(stored))
                if (Platform.Ingest.Relay.IntegrationEvents.From(e) is { } message)
                {
                    await broker.PublishAsync(message, e.Id, CancellationToken.None);
                    await broker.SendAsync(AuditFeed.QueueName, message, e.Id, CancellationToken.None);
                }
        }
        // And a marker published after them: once it is audited, the duplicates before it were consumed.
        var marker = RegistryClient.UniqueRepo("twice-marker");
        await client.PushBlobAsync(marker, "marker"u8.ToArray());
        await probe.WaitAuditAsync(marker, e => e.Any(x => x.GetProperty("action").GetString() == "blob.linked"), TimeSpan.FromSeconds(15));
        await Task.Delay(TimeSpan.FromSeconds(1));

        var after = await probe.AuditOfAsync(repo);
        Assert.Equal(before.Select(e => e.GetProperty("eventId").GetGuid()), after.Select(e => e.GetProperty("eventId").GetGuid()));
        await using (var query = store.QuerySession())
            foreach (var digest in blobs)
            {
                var stream = await query.Events.FetchStreamAsync($"blob:{digest}");
                Assert.Single(stream, e => e.Data is BlobPinned);
            }
        var verify = await probe.AuditAsync("/api/v1/audit/verify");
        Assert.True(verify.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Changing_one_audit_row_by_hand_makes_verify_report_its_sequence()
    {
        await using var stack = await PlatformStack.StartAsync();
        var client = new RegistryClient(stack.Gateway);
        var repo = RegistryClient.UniqueRepo("tamper");
        await client.PushImageAsync(repo, "v1", seed: 500, layers: 2);
        var probe = new PlatformProbe(stack);
        var audit = await probe.WaitAuditAsync(repo, e => e.Any(x => x.GetProperty("action").GetString() == "tag.moved"), TimeSpan.FromSeconds(15));
        var valid = await probe.AuditAsync("/api/v1/audit/verify");
        Assert.True(valid.GetProperty("valid").GetBoolean(), valid.ToString());

        var victim = audit[audit.Count / 2].GetProperty("sequence").GetInt64();
        await using (var connection = new NpgsqlConnection(stack.Database))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand("UPDATE audit.entries SET actor = 'mallory' WHERE sequence = @s", connection);
            update.Parameters.AddWithValue("s", victim);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        var verify = await probe.AuditAsync("/api/v1/audit/verify");
        Assert.False(verify.GetProperty("valid").GetBoolean());
        Assert.Equal(victim, verify.GetProperty("firstInvalidSequence").GetInt64());
    }

    /// <summary>Every event the relay publishes (all but chunk bookkeeping) has its audit entry.</summary>
    private static async Task WaitEveryEventAuditedAsync(PlatformStack stack, PlatformProbe probe, TimeSpan within)
    {
        var store = stack.IngestServices.GetRequiredService<IDocumentStore>();
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            await using var query = store.QuerySession();
            var expected = (await query.Events.QueryAllRawEvents().ToListAsync())
                .Where(e => Platform.Ingest.Relay.IntegrationEvents.From(e) is not null)
                .Select(e => e.Id).ToHashSet();
            await using var connection = new NpgsqlConnection(stack.Database);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT event_id FROM audit.entries", connection);
            var recorded = new HashSet<Guid>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    recorded.Add(reader.GetGuid(0));
            if (expected.IsSubsetOf(recorded))
            {
                var verify = await probe.AuditAsync("/api/v1/audit/verify");
                Assert.True(verify.GetProperty("valid").GetBoolean());
                return;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{expected.Except(recorded).Count()} of {expected.Count} events not audited within {within}");
            await Task.Delay(500);
        }
    }
}
