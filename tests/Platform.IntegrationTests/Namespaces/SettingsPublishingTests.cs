using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Platform.IntegrationTests.Auth;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;
using Platform.IntegrationTests.Pinning;

namespace Platform.IntegrationTests.Namespaces;

/// <summary>
/// The gateway tells Pinning (a real process, on a real RabbitMQ) each namespace's settings: on create, on update
/// and, for every namespace, at start. The stack's own gateway runs without auth (it pushes); the gateway under
/// test has auth on, on the stack's database and broker, and owns the namespaces.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SettingsPublishingTests(PlatformFixture fixture)
{
    private PlatformStack Stack => fixture.Stack;

    [Fact]
    public async Task A_private_namespace_made_public_is_pinned_as_plain_bytes()
    {
        await using var gateway = AuthGateway(out var url);
        using var admin = Admin(url);
        var ns = $"flip{Guid.NewGuid():N}"[..16];
        using (var created = await admin.PostAsJsonAsync("/api/v1/namespaces", new { name = ns }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var stored = await WaitStoredAsync(ns, s => s is { Public: false });
        Assert.Null(stored.Mode);

        var repo = $"{ns}/app";
        var digest = await new RegistryClient(Stack.Gateway).PushBlobAsync(repo, RegistryClient.RandomBytes(50_000, seed: 1510));
        await WaitBlobModeAsync(repo, digest, "encrypted");

        using (var patched = await admin.PatchAsJsonAsync($"/api/v1/namespaces/{ns}", new { @public = true }))
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        await WaitStoredAsync(ns, s => s is { Public: true, Mode: null });
        await WaitBlobModeAsync(repo, digest, "public");
    }

    [Fact]
    public async Task Every_namespace_is_published_again_when_the_gateway_starts()
    {
        var ns = $"boot{Guid.NewGuid():N}"[..16];
        await using (var first = AuthGateway(out var firstUrl))
        {
            using var admin = Admin(firstUrl);
            using var created = await admin.PostAsJsonAsync("/api/v1/namespaces", new { name = ns, @public = true, ipfs = "off" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            await WaitStoredAsync(ns, s => s is { Public: true, Mode: "off" });
        }

        // As if the message had been lost (a crash with it in the queue): Pinning forgets the namespace.
        await using (var connection = new NpgsqlConnection(Stack.Database))
        {
            await connection.OpenAsync();
            await using var forget = new NpgsqlCommand("DELETE FROM pinning.namespaces WHERE namespace = @ns", connection);
            forget.Parameters.AddWithValue("ns", ns);
            Assert.Equal(1, await forget.ExecuteNonQueryAsync());
        }

        await using var second = AuthGateway(out var secondUrl);
        using var probe = Admin(secondUrl);
        using (var ready = await probe.GetAsync("/api/v1/namespaces"))
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await WaitStoredAsync(ns, s => s is { Public: true, Mode: "off" });
    }

    private WebApplicationFactory<Platform.Gateway.GatewayService> AuthGateway(out Uri url)
    {
        var keys = Path.Combine(Path.GetTempPath(), $"platform-keys-{Guid.NewGuid():N}");
        var port = ThrowawayPostgres.FreePort();
        url = new Uri($"http://127.0.0.1:{port}");
        return InProcessService.Start<Platform.Gateway.GatewayService>(port, b =>
        {
            b.UseSetting("Auth:Enabled", "true");
            b.UseSetting("Auth:AdminPassword", AuthFixture.AdminPassword);
            b.UseSetting("Auth:KeyDirectory", keys);
            b.UseSetting("ConnectionStrings:Postgres", Stack.Database);
            b.UseSetting("ConnectionStrings:RabbitMq", Stack.Broker.Uri);
            GatewayBackends.Point(b, new Dictionary<string, string>
            {
                ["ingest"] = $"http://127.0.0.1:{Stack.IngestPort}",
                ["metadata"] = $"http://127.0.0.1:{Stack.MetadataPort}",
                ["audit"] = $"http://127.0.0.1:{Stack.AuditPort}",
            });
        });
    }

    private static HttpClient Admin(Uri gateway)
    {
        var http = new HttpClient { BaseAddress = gateway };
        http.DefaultRequestHeaders.Authorization = AuthFixture.Basic("admin", AuthFixture.AdminPassword);
        return http;
    }

    private async Task<(bool Public, string? Mode, Guid EventId)> WaitStoredAsync(string ns, Func<(bool Public, string? Mode, Guid EventId)?, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var stored = await NamespaceSettingsMessages.StoredAsync(Stack, ns);
            if (done(stored))
                return stored!.Value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Pinning has {stored?.ToString() ?? "nothing"} for {ns} after 30 s\n{Stack.Pinning.Output}");
            await Task.Delay(100);
        }
    }

    private async Task WaitBlobModeAsync(string repo, string digest, string mode)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Stack.Gateway.GetAsync($"/api/v1/repositories/{repo}/blobs/{digest}");
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && JsonDocument.Parse(last).RootElement is var info
                && info.GetProperty("pinned").GetBoolean() && info.GetProperty("ipfsMode").GetString() == mode)
                return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{digest} not pinned {mode} within 30 s: {last}\n{Stack.Pinning.Output}");
    }
}
