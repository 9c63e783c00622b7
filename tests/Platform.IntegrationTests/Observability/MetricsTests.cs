using System.Net;
using System.Text.Json.Nodes;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Events;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Observability;

/// <summary>/metrics on the services of a running platform: a push moves the counters operators chart.</summary>
[Collection(PlatformCollection.Name)]
public sealed class MetricsTests(PlatformFixture fixture)
{
    private PlatformStack Stack => fixture.Stack;
    private string Ingest => $"http://127.0.0.1:{Stack.IngestPort}";

    [Fact]
    public async Task A_push_moves_the_upload_counters_and_the_request_histogram()
    {
        var before = await PrometheusText.ScrapeAsync(Ingest, h2c: true);
        var client = new RegistryClient(Stack.Gateway);
        var (_, manifest) = await client.PushImageAsync(RegistryClient.UniqueRepo("metrics"), "v1", seed: 17, layers: 3);
        var blobs = JsonNode.Parse(manifest)!["layers"]!.AsArray().Append(JsonNode.Parse(manifest)!["config"]).ToList();
        var bytes = blobs.Sum(b => b!["size"]!.GetValue<long>());

        var after = await PrometheusText.ScrapeAsync(Ingest, h2c: true);

        // Other stacks in this process push at the same time: at least this push's blobs, config and layers.
        Assert.True(after.Sum("registry_storage_blob_upload_total") - before.Sum("registry_storage_blob_upload_total") >= blobs.Count, after.Text);
        Assert.True(after.Sum("registry_storage_blob_upload_bytes_total") - before.Sum("registry_storage_blob_upload_bytes_total") >= bytes);
        var puts = "registry_http_request_duration_seconds_count";
        Assert.True(after.Sum(puts, "method=\"PUT\"", "status=\"201\"") - before.Sum(puts, "method=\"PUT\"", "status=\"201\"") >= 1);
        Assert.True(after.Has("registry_http_request_duration_seconds_bucket"));
        // ASP.NET Core's own instruments are there too. Read from Pinning, which runs as a process of its own: in this
        // process several hosts create ASP.NET Core's same-named meters, and the SDK exports only the first it saw.
        var pinning = await PrometheusText.ScrapeAsync(Stack.Pinning.Url, h2c: true);
        Assert.True(pinning.Has("http_server_request_duration_seconds_count"), pinning.Text);
    }

    [Fact]
    public async Task The_relay_lag_the_audit_chain_and_the_pins_are_exported()
    {
        var client = new RegistryClient(Stack.Gateway);
        var repo = RegistryClient.UniqueRepo("metrics");
        await client.PushImageAsync(repo, "v1", seed: 18, layers: 1);
        var probe = new PlatformProbe(Stack);
        var audit = await probe.WaitAuditAsync(repo, e => e.Any(x => x.GetProperty("action").GetString() == "manifest.pushed"), TimeSpan.FromSeconds(15));

        var ingest = await PrometheusText.ScrapeAsync(Ingest, h2c: true);
        Assert.Single(ingest.Samples("platform_relay_lag_events", "relay=\"rabbitmq-relay\""));
        Assert.Single(ingest.Samples("platform_relay_lag_seconds", "relay=\"audit-feed\""));
        Assert.All(ingest.Samples("platform_relay_lag_seconds"), s => Assert.True(s >= 0));

        var auditMetrics = await PrometheusText.ScrapeAsync($"http://127.0.0.1:{Stack.AuditPort}", h2c: true);
        var length = auditMetrics.Sum("platform_audit_chain_length");
        var verify = await probe.AuditAsync("/api/v1/audit/verify");
        Assert.True(length >= audit.Max(e => e.GetProperty("sequence").GetInt64()), auditMetrics.Text);
        Assert.True(length >= verify.GetProperty("checked").GetInt64());

        var pinning = await PrometheusText.ScrapeAsync(Stack.Pinning.Url, h2c: true);
        Assert.Single(pinning.Samples("platform_pins_pending"));
        Assert.True(pinning.Samples("platform_pins_pending").Single() >= 0);
    }

    [Fact]
    public async Task The_gateway_serves_metrics_only_on_its_own_listener()
    {
        int publicPort = ThrowawayPostgres.FreePort(), metricsPort = ThrowawayPostgres.FreePort();
        await using var gateway = InProcessService.Start<Platform.Gateway.GatewayService>(publicPort, b =>
        {
            b.UseSetting("Auth:Enabled", "false");
            GatewayBackends.Point(b, new Dictionary<string, string>());
            b.UseSetting("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{publicPort}");
            b.UseSetting("Kestrel:Endpoints:Metrics:Url", $"http://127.0.0.1:{metricsPort}");
        });
        using var http = new HttpClient();
        using (var v2 = await http.GetAsync($"http://127.0.0.1:{publicPort}/v2/"))
            Assert.Equal(HttpStatusCode.OK, v2.StatusCode);

        // Not on the public listener, whatever the Host header says.
        using var wrongHost = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{publicPort}/metrics");
        wrongHost.Headers.Host = $"127.0.0.1:{metricsPort}";
        using (var refused = await http.SendAsync(wrongHost))
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);

        var metrics = await PrometheusText.ScrapeAsync($"http://127.0.0.1:{metricsPort}", h2c: false);
        Assert.True(metrics.Sum("registry_http_request_duration_seconds_count", "method=\"GET\"", "status=\"200\"") >= 1, metrics.Text);
    }
}
