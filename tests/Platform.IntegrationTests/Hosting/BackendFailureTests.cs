using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Hosting;

/// <summary>A backend that is down answers 503 with Retry-After and the caller's error body, never YARP's bare 502.</summary>
public sealed class BackendFailureTests : IAsyncLifetime
{
    private WebApplicationFactory<Platform.Gateway.GatewayService> _gateway = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        // Every routed backend points at a port where nothing listens: each one down, as seen from the gateway.
        _gateway = new WebApplicationFactory<Platform.Gateway.GatewayService>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Auth:Enabled", "false");
            GatewayBackends.Point(b, new Dictionary<string, string>());
        });
        _client = _gateway.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("POST", "/v2/team/app/blobs/uploads/")]          // Ingest
    [InlineData("GET", "/v2/team/app/manifests/latest")]         // Metadata
    [InlineData("GET", "/v2/team/app/tags/list")]                // Metadata
    public async Task Registry_requests_get_503_with_the_oci_error_body(string method, string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("UNAVAILABLE", body.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_head_gets_the_503_and_retry_after_without_a_body()
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v2/team/app/manifests/latest"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Theory]
    [InlineData("/api/v1/repositories")]                         // Metadata
    [InlineData("/api/v1/audit/verify")]                         // Audit
    public async Task Platform_api_requests_get_503_with_problem_json(string path)
    {
        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(503, body.RootElement.GetProperty("status").GetInt32());
    }
}
