using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Audit.Webhooks;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Audit.Webhooks;

/// <summary>
/// A delivery is a row with its next attempt: a dispatcher that failed to deliver and went away (a restart) leaves
/// it to the next one, which delivers it once the receiver is up. Real PostgreSQL, real HTTP.
/// </summary>
public sealed class WebhookRestartTests
{
    private static readonly WebhookOptions Options = new() { InitialBackoff = TimeSpan.FromMilliseconds(300), RequestTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task A_delivery_that_failed_before_a_restart_is_delivered_after_it()
    {
        var database = await TestDatabase.CreateAsync("webhooks");
        var port = ThrowawayPostgres.FreePort();
        var eventId = Guid.NewGuid();
        Guid webhookId;
        await using (var before = NpgsqlDataSource.Create(database))
        {
            var store = new WebhookStore(before);
            await store.EnsureSchemaAsync(default);
            webhookId = (await store.CreateAsync("team", $"http://127.0.0.1:{port}/hook", ["push"], WebhookTests.Secret, default)).Id;
            Assert.Equal(1, await store.EnqueueAsync("team", "push", eventId, """{"id":"x"}""", default));
            // The same event again (a redelivered message) queues nothing.
            Assert.Equal(0, await store.EnqueueAsync("team", "push", eventId, """{"id":"x"}""", default));

            await Dispatcher(store).DispatchDueAsync(default);
            var failed = Assert.Single(await store.DeliveriesAsync(webhookId, 10, default));
            Assert.Equal((WebhookStore.Pending, 1), (failed.Status, failed.Attempts));
            Assert.NotNull(failed.LastError);
            Assert.True(failed.NextAttemptAt > DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1));
        }

        // Another process: a new connection pool, a new dispatcher, nothing carried over but the database.
        await using var after = NpgsqlDataSource.Create(database);
        var restarted = new WebhookStore(after);
        await using var receiver = await WebhookReceiver.StartAsync(port);
        await WebhookTests.WaitAsync(async () =>
        {
            await Dispatcher(restarted).DispatchDueAsync(default);
            return (await restarted.DeliveriesAsync(webhookId, 10, default)).Single().Status == WebhookStore.Delivered;
        }, "delivered after the restart");

        var delivered = (await restarted.DeliveriesAsync(webhookId, 10, default)).Single();
        Assert.Equal(2, delivered.Attempts);
        var received = Assert.Single(receiver.Received);
        WebhookTests.AssertSigned(received);
    }

    private static WebhookDispatcher Dispatcher(WebhookStore store)
    {
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        return new WebhookDispatcher(store, new Clients(new WebhookTargets(options)), options, TimeProvider.System,
            NullLogger<WebhookDispatcher>.Instance);
    }

    private sealed class Clients(WebhookTargets targets) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) =>
            new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, ConnectCallback = targets.ConnectAsync });
    }
}
