using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Platform.Hosting.Topology;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Hosting;

/// <summary>Readiness says what a service needs to answer its own requests, and nothing more.</summary>
public sealed class ReadinessScopeTests
{
    [Fact]
    public async Task Metadata_stays_ready_while_the_broker_is_unreachable()
    {
        var database = await TestDatabase.CreateAsync("ready");
        var port = ThrowawayPostgres.FreePort();
        await using var metadata = InProcessService.Start<Platform.Metadata.MetadataService>(port, b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", database);
            // Nothing listens here: a broker outage as Metadata would see it.
            b.UseSetting("ConnectionStrings:RabbitMq", $"amqp://guest:guest@127.0.0.1:{ThrowawayPostgres.FreePort()}/");
        });
        using var client = H2cClient(new Uri($"http://127.0.0.1:{port}"));

        using var response = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Gateway_is_ready_when_the_services_it_routes_to_are_and_waits_for_no_other()
    {
        // A stand-in that answers /readyz 200 over h2c, as a backend does, for every routed service; Pinning (not
        // routed) gets no address at all.
        var port = ThrowawayPostgres.FreePort();
        var backend = WebApplication.CreateSlimBuilder();
        backend.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http2));
        await using var ready = backend.Build();
        ready.MapGet("/readyz", () => Results.Ok());
        await ready.StartAsync();

        await using var gateway = new WebApplicationFactory<Platform.Gateway.GatewayService>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Auth:Enabled", "false");
            GatewayBackends.Point(b, ServiceCatalog.Routed.ToDictionary(s => s.Name, _ => $"http://localhost:{port}"));
        });
        using var response = await gateway.CreateClient().GetAsync("/readyz");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.DoesNotContain("pinning", body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(ServiceCatalog.Routed, s => body.Contains(s.Name, StringComparison.Ordinal));
        using var _ = JsonDocument.Parse(body);
    }

    private static HttpClient H2cClient(Uri address) => new(new SocketsHttpHandler())
    {
        BaseAddress = address,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
}
