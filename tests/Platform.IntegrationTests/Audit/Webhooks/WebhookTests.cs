using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Audit.Webhooks;

/// <summary>
/// Webhooks through the gateway: a receiver in the test gets signed CloudEvents for a push and a delete, one that is
/// down gets them once it is up (the retries are rows, not memory), redeliver sends one again, and a target that is
/// neither loopback nor an allowed host is refused with problem+json.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class WebhookTests(PlatformFixture fixture)
{
    internal const string Secret = "a-webhook-secret-of-some-length";
    private PlatformStack Stack => fixture.Stack;

    [Fact]
    public async Task A_receiver_gets_signed_cloudevents_for_a_push_and_a_delete_and_the_secret_is_never_shown()
    {
        await using var receiver = await WebhookReceiver.StartAsync(ThrowawayPostgres.FreePort());
        var ns = UniqueNamespace("hooks");
        var (id, created) = await CreateAsync(ns, receiver.Url, ["push", "delete"]);
        Assert.False(created.TryGetProperty("secret", out _));
        var listed = await Stack.Gateway.GetStringAsync($"/api/v1/namespaces/{ns}/webhooks");
        Assert.Contains(id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, listed, StringComparison.Ordinal);

        var repo = $"{ns}/app";
        var (digest, _) = await new RegistryClient(Stack.Gateway).PushImageAsync(repo, "v1", seed: 41);
        var push = await receiver.WaitAsync(e => e.Type == "io.platform.registry.push" && e.Data.GetProperty("digest").GetString() == digest);
        AssertSigned(push);
        Assert.Equal("1.0", push.Event.GetProperty("specversion").GetString());
        Assert.Equal($"/v2/{repo}", push.Event.GetProperty("source").GetString());
        Assert.Equal(repo, push.Data.GetProperty("repository").GetString());
        Assert.Equal("application/cloudevents+json", push.ContentType);

        using (var delete = await Stack.Gateway.DeleteAsync($"/v2/{repo}/manifests/{digest}"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        var deleted = await receiver.WaitAsync(e => e.Type == "io.platform.registry.delete" && e.Data.GetProperty("digest").GetString() == digest);
        AssertSigned(deleted);

        var log = await DeliveriesAsync(ns, id);
        Assert.Equal(2, log.Count);
        Assert.All(log, d => Assert.Equal("delivered", d.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_receiver_that_is_down_gets_the_delivery_once_it_is_up_and_redeliver_sends_it_again()
    {
        var port = ThrowawayPostgres.FreePort();
        var ns = UniqueNamespace("late");
        var (id, _) = await CreateAsync(ns, $"http://127.0.0.1:{port}/hook", ["push"]);
        var (digest, _) = await new RegistryClient(Stack.Gateway).PushImageAsync($"{ns}/app", "v1", seed: 42);

        // Nobody listens: the delivery fails and waits for its next attempt.
        await WaitAsync(async () => (await DeliveriesAsync(ns, id)) is [var d] && d.GetProperty("attempts").GetInt32() >= 1
            && d.GetProperty("status").GetString() == "pending" && d.GetProperty("lastError").GetString() is { Length: > 0 }, "a failed attempt");

        await using var receiver = await WebhookReceiver.StartAsync(port);
        var first = await receiver.WaitAsync(e => e.Data.GetProperty("digest").GetString() == digest);
        AssertSigned(first);
        await WaitAsync(async () => (await DeliveriesAsync(ns, id)) is [var d] && d.GetProperty("status").GetString() == "delivered", "delivered");
        var delivery = (await DeliveriesAsync(ns, id)).Single();
        Assert.True(delivery.GetProperty("attempts").GetInt32() >= 2);

        using (var redeliver = await Stack.Gateway.PostAsync(
                   $"/api/v1/namespaces/{ns}/webhooks/{id}/deliveries/{delivery.GetProperty("id").GetString()}/redeliver", null))
            Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        await WaitAsync(() => Task.FromResult(receiver.Received.Count(e => e.Id == first.Id) >= 2), "the redelivery");
        var again = receiver.Received.Last(e => e.Id == first.Id);
        Assert.Equal(first.Body, again.Body);
        AssertSigned(again);
    }

    [Theory]
    [InlineData("http://203.0.113.7/hook", "push")]        // an address that is not loopback
    [InlineData("http://example.invalid/hook", "push")]    // a name not allowed (and not resolving)
    [InlineData("ftp://127.0.0.1/hook", "push")]           // not http(s)
    [InlineData("http://127.0.0.1:9/hook", "tag")]         // an event that does not exist
    public async Task Refused_subscriptions_are_problem_json_400(string url, string @event)
    {
        var ns = UniqueNamespace("refused");
        using var response = await Stack.Gateway.PostAsJsonAsync($"/api/v1/namespaces/{ns}/webhooks",
            new { url, events = new[] { @event }, secret = Secret });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(JsonDocument.Parse(await Stack.Gateway.GetStringAsync($"/api/v1/namespaces/{ns}/webhooks"))
            .RootElement.GetProperty("webhooks").EnumerateArray());
    }

    [Fact]
    public async Task A_short_secret_and_a_missing_url_are_refused_and_an_unknown_webhook_is_404()
    {
        var ns = UniqueNamespace("bad");
        using (var shortSecret = await Stack.Gateway.PostAsJsonAsync($"/api/v1/namespaces/{ns}/webhooks",
                   new { url = "http://127.0.0.1:9/hook", events = new[] { "push" }, secret = "short" }))
            Assert.Equal(HttpStatusCode.BadRequest, shortSecret.StatusCode);
        using (var noUrl = await Stack.Gateway.PostAsJsonAsync($"/api/v1/namespaces/{ns}/webhooks", new { events = new[] { "push" }, secret = Secret }))
            Assert.Equal(HttpStatusCode.BadRequest, noUrl.StatusCode);
        using (var notJson = await Stack.Gateway.PostAsync($"/api/v1/namespaces/{ns}/webhooks", new StringContent("{", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        using var unknown = await Stack.Gateway.GetAsync($"/api/v1/namespaces/{ns}/webhooks/{Guid.NewGuid()}/deliveries");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    internal static void AssertSigned(Received received) =>
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), received.Body)), received.Signature);

    private async Task<(string Id, JsonElement Body)> CreateAsync(string ns, string url, string[] events)
    {
        using var response = await Stack.Gateway.PostAsJsonAsync($"/api/v1/namespaces/{ns}/webhooks", new { url, events, secret = Secret });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement.Clone();
        return (body.GetProperty("id").GetString()!, body);
    }

    private async Task<List<JsonElement>> DeliveriesAsync(string ns, string id)
    {
        var text = await Stack.Gateway.GetStringAsync($"/api/v1/namespaces/{ns}/webhooks/{id}/deliveries");
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("deliveries").EnumerateArray().Select(d => d.Clone())];
    }

    internal static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not within 30 s: {what}");
            await Task.Delay(100);
        }
    }

    private static string UniqueNamespace(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
