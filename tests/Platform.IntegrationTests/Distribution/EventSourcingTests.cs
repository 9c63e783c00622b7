using System.Net;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Platform.Registry;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;
using Platform.IntegrationTests.Infrastructure;
using static Platform.IntegrationTests.Distribution.RegistryClient;

namespace Platform.IntegrationTests.Distribution;

/// <summary>What a push leaves in the event store, and that the read side can be rebuilt from it.</summary>
[Collection(RegistryCollection.Name)]
public sealed class EventSourcingTests(RegistryFixture registry)
{
    private IDocumentStore Store => registry.IngestServices.GetRequiredService<IDocumentStore>();

    [Fact]
    public async Task Every_event_of_a_push_carries_actor_time_client_and_request_id()
    {
        var repo = UniqueRepo("events");
        var requestId = $"req-{Guid.NewGuid():N}";
        using var http = new HttpClient { BaseAddress = registry.GatewayUrl };
        http.DefaultRequestHeaders.Add("X-Request-Id", requestId);
        http.DefaultRequestHeaders.UserAgent.ParseAdd("platform-tests/1.0");
        var client = new RegistryClient(http);

        var location = await client.StartUploadAsync(repo);
        var bytes = RandomBytes(5000, 1);
        using (var patch = await client.PatchAsync(location, bytes, 0))
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        using (var put = await client.CompleteAsync(location, DigestOf(bytes)))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal(requestId, put.Headers.GetValues("X-Request-Id").Single());
        }
        var (manifestDigest, _) = await client.PushImageAsync(repo, "v1", seed: 2);

        await using var query = Store.QuerySession();
        var session = Guid.ParseExact(location.AbsolutePath.Split('/').Last(), "N");
        var uploadEvents = await query.Events.FetchStreamAsync(StreamKeys.Upload(session));
        Assert.Equal([typeof(UploadStarted), typeof(UploadChunkAccepted), typeof(UploadCompleted)],
            uploadEvents.Select(e => e.EventType));

        var repoEvents = await query.Events.FetchStreamAsync(StreamKeys.Repository(repo));
        Assert.Contains(repoEvents, e => e.Data is BlobLinked b && b.Digest == DigestOf(bytes));
        Assert.Contains(repoEvents, e => e.Data is ManifestPushed m && m.Digest == manifestDigest);
        Assert.Contains(repoEvents, e => e.Data is TagMoved t && t.Tag == "v1" && t.Digest == manifestDigest);

        foreach (var e in uploadEvents.Concat(repoEvents))
        {
            Assert.Equal(requestId, e.CorrelationId);
            Assert.Equal("anonymous", e.Headers!["actor"]?.ToString());
            Assert.Equal("127.0.0.1", e.Headers!["client-address"]?.ToString());
            Assert.Equal("platform-tests/1.0", e.Headers!["user-agent"]?.ToString());
            Assert.True(DateTimeOffset.UtcNow - e.Timestamp < TimeSpan.FromMinutes(5));
        }
    }

    [Fact]
    public async Task Rebuilding_the_projections_from_the_events_gives_the_same_answers()
    {
        var client = new RegistryClient(registry.Gateway);
        var repo = UniqueRepo("rebuild");
        var (first, _) = await client.PushImageAsync(repo, "v1", seed: 3);
        var (second, _) = await client.PushImageAsync(repo, "v2", seed: 4);
        await client.PushImageAsync(repo, "v3", seed: 5);
        using (var delete = await registry.Gateway.DeleteAsync($"/v2/{repo}/manifests/v2"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        using (var delete = await registry.Gateway.DeleteAsync($"/v2/{repo}/manifests/{first}"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);

        var before = await AnswersAsync(repo, first, second);

        // Wipe the read side and replay every event through the same projections.
        await using (var session = Store.LightweightSession())
        {
            session.DeleteWhere<RepositoryState>(_ => true);
            session.DeleteWhere<ManifestRecord>(_ => true);
            await session.SaveChangesAsync();
        }
        Assert.NotEqual(before, await AnswersAsync(repo, first, second));

        using var daemon = await Store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync<RepositoryStateProjection>(TimeSpan.FromMinutes(2), CancellationToken.None);
        await daemon.RebuildProjectionAsync<ManifestRecordProjection>(TimeSpan.FromMinutes(2), CancellationToken.None);

        Assert.Equal(before, await AnswersAsync(repo, first, second));
    }

    private async Task<string> AnswersAsync(string repo, string first, string second)
    {
        var answers = new List<string>();
        foreach (var path in new[]
                 {
                     $"/v2/{repo}/tags/list", $"/v2/{repo}/manifests/v1", $"/v2/{repo}/manifests/v2", $"/v2/{repo}/manifests/v3",
                     $"/v2/{repo}/manifests/{first}", $"/v2/{repo}/manifests/{second}",
                 })
        {
            using var response = await registry.Gateway.GetAsync(path);
            answers.Add($"{path} {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return string.Join('\n', answers);
    }
}
