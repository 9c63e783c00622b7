using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Platform.IntegrationTests.Hosting;

public sealed class GatewayBaseTests
{
    [Fact]
    public async Task V2_base_answers_200_with_the_distribution_api_version_header()
    {
        await using var factory = new WebApplicationFactory<Platform.Gateway.GatewayService>()
            .WithWebHostBuilder(b => b.UseSetting("Auth:Enabled", "false"));
        var client = factory.CreateClient();

        var response = await client.GetAsync("/v2/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", Assert.Single(response.Headers.GetValues("Docker-Distribution-API-Version")));
        Assert.True(response.Headers.Contains("X-Request-Id"));
    }

    [Fact]
    public async Task Gateway_is_not_ready_while_its_backends_are_down()
    {
        await using var factory = new WebApplicationFactory<Platform.Gateway.GatewayService>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Auth:Enabled", "false");
            // Nothing listens on these ports.
            Infrastructure.GatewayBackends.Point(b, new Dictionary<string, string>());
        });
        var response = await factory.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
