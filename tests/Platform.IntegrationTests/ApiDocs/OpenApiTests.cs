using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Gateway.ApiDocs;
using Platform.Gateway.Routing;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.ApiDocs;

/// <summary>/openapi/v1.json through the gateway, checked against the routes that exist, both ways.</summary>
[Collection(PlatformCollection.Name)]
public sealed partial class OpenApiTests(PlatformFixture fixture)
{
    private PlatformStack Stack => fixture.Stack;

    private async Task<JsonObject> DocumentAsync()
    {
        using var response = await Stack.Gateway.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task Every_public_api_route_of_the_gateway_is_described()
    {
        var document = await DocumentAsync();
        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();

        // What the gateway routes to the services behind it...
        foreach (var route in GatewayRoutes.All.Where(r => r.Match.Path!.StartsWith("/api/", StringComparison.Ordinal)))
            Assert.True(paths.Any(p => PlatformApiDocument.Matches(route.Match.Path!, p)), $"route {route.RouteId} ({route.Match.Path}) is not described");
        // ...and what it answers itself (YARP's routes are endpoints too: those are the ones above).
        var proxied = GatewayRoutes.All.Select(r => r.Match.Path!).ToHashSet();
        var own = Stack.GatewayServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p => p.StartsWith("/api/", StringComparison.Ordinal) && !proxied.Contains(p))
            .Distinct();
        foreach (var path in own)
            Assert.Contains(path, paths);

        // Nothing else: no internal path of a service (Metadata's namespace usage), no OCI, health or metrics.
        Assert.DoesNotContain("/api/v1/namespaces/{ns}/usage", paths);
        Assert.All(paths, p => Assert.True(p.StartsWith("/api/v1/", StringComparison.Ordinal) || p == "/token", p));
        foreach (var expected in new[] { "/api/v1/repositories", "/api/v1/repositories/{name}", "/api/v1/repositories/{name}/blobs/{digest}",
                     "/api/v1/audit/events", "/api/v1/audit/verify", "/api/v1/audit/export", "/api/v1/admin/gc", "/api/v1/namespaces/{ns}/retention" })
            Assert.Contains(expected, paths);
        // Query parameters the handlers read themselves are described too.
        var audit = document["paths"]!["/api/v1/audit/events"]!["get"]!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>());
        Assert.Contains("cursor", audit);
    }

    [Fact]
    public async Task Every_described_read_is_answered_by_the_gateway()
    {
        var client = new RegistryClient(Stack.Gateway);
        var repo = RegistryClient.UniqueRepo("openapi");
        var (_, manifest) = await client.PushImageAsync(repo, "v1", seed: 31, layers: 1);
        var blob = JsonNode.Parse(manifest)!["layers"]![0]!["digest"]!.GetValue<string>();
        var values = new Dictionary<string, string> { ["name"] = repo, ["digest"] = blob, ["ns"] = repo.Split('/')[0] };

        var document = await DocumentAsync();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            if (item!["get"] is null)
                continue;
            var url = Parameter().Replace(path, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : "x");
            using var response = await Stack.Gateway.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            // Routed and answered: a 404 from a handler says what is missing (problem+json); the router's has no body.
            Assert.True((int)response.StatusCode < 500, $"GET {url}: {(int)response.StatusCode} {body}");
            Assert.False(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed && body.Length == 0, $"GET {url} is not routed");
        }
    }

    [Fact]
    public async Task The_docs_page_and_its_script_are_served_by_the_platform()
    {
        using var page = await Stack.Gateway.GetAsync("/docs/v1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html);
        // No CDN: nothing the page loads comes from another host.
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            using var js = await Stack.Gateway.GetAsync(new Uri(new Uri(Stack.Gateway.BaseAddress!, "/docs/v1"), script));
            Assert.Equal(HttpStatusCode.OK, js.StatusCode);
            Assert.True((await js.Content.ReadAsByteArrayAsync()).Length > 1000, script);
        }
    }

    [GeneratedRegex("{([^}]+)}")]
    private static partial Regex Parameter();

    [GeneratedRegex("<script[^>]*src=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
