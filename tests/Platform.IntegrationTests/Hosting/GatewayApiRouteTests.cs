using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Hosting;

/// <summary>
/// The gateway sends /api/v1/audit to the Audit service. A stub speaking h2c (as the services do) stands in for
/// Audit and echoes what reached it, so the test shows the path and query arrive unchanged.
/// </summary>
public sealed class GatewayApiRouteTests
{
    [Theory]
    [InlineData("/api/v1/audit/events?limit=5&repository=library/app")]
    [InlineData("/api/v1/audit/verify")]
    [InlineData("/api/v1/audit/export?since=2026-01-01T00:00:00Z")]
    public async Task Audit_paths_are_proxied_to_the_audit_service_unchanged(string pathAndQuery)
    {
        var auditPort = ThrowawayPostgres.FreePort();
        var stubBuilder = WebApplication.CreateSlimBuilder();
        stubBuilder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, auditPort, o => o.Protocols = HttpProtocols.Http2));
        await using var stub = stubBuilder.Build();
        stub.Run(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                service = "audit-stub",
                pathAndQuery = context.Request.Path.Value + context.Request.QueryString.Value,
            }));
        });
        await stub.StartAsync();

        await using var gateway = new WebApplicationFactory<Platform.Gateway.GatewayService>().WithWebHostBuilder(b =>
        {
            // Routing only: with auth on, /api/v1/audit is admin-only (the auth tests cover that).
            b.UseSetting("Auth:Enabled", "false");
            GatewayBackends.Point(b, new Dictionary<string, string> { ["audit"] = $"http://127.0.0.1:{auditPort}" });
        });
        using var response = await gateway.CreateClient().GetAsync(pathAndQuery);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"got {(int)response.StatusCode}: {text}");
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("audit-stub", doc.RootElement.GetProperty("service").GetString());
        Assert.Equal(pathAndQuery, doc.RootElement.GetProperty("pathAndQuery").GetString());
        await stub.StopAsync();
    }
}
