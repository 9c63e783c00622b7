using System.Text.Json.Nodes;
using Platform.Gateway.ApiDocs;

namespace Platform.UnitTests.ApiDocs;

public sealed class PlatformApiDocumentTests
{
    [Theory]
    [InlineData("/api/v1/audit/{**rest}", "/api/v1/audit/events", true)]
    [InlineData("/api/v1/repositories/{**rest}", "/api/v1/repositories/{name}/blobs/{digest}", true)]
    [InlineData("/api/v1/namespaces/{ns}/retention", "/api/v1/namespaces/{ns}/retention", true)]
    [InlineData("/api/v1/namespaces/{ns}/retention", "/api/v1/namespaces/{ns}/usage", false)]
    [InlineData("/api/v1/admin/gc", "/api/v1/admin/gcx", false)]
    public void A_route_template_takes_the_documented_paths_it_routes(string template, string path, bool matches) =>
        Assert.Equal(matches, PlatformApiDocument.Matches(template, path));

    [Fact]
    public void Merging_keeps_only_routed_paths_and_the_first_schema_of_a_name()
    {
        var document = JsonNode.Parse("""{"paths":{"/api/v1/tokens":{}},"components":{"schemas":{"ProblemDetails":{"title":"gateway"}}}}""")!.AsObject();
        var part = JsonNode.Parse("""
            {"paths":{"/api/v1/audit/events":{"get":{}},"/api/v1/internal":{"get":{}}},
             "components":{"schemas":{"ProblemDetails":{"title":"audit"},"AuditPage":{"type":"object"}}}}
            """)!.AsObject();
        PlatformApiDocument.Merge(document, part, p => p.StartsWith("/api/v1/audit/", StringComparison.Ordinal));
        Assert.Equal(["/api/v1/tokens", "/api/v1/audit/events"], document["paths"]!.AsObject().Select(p => p.Key));
        Assert.Equal("gateway", document["components"]!["schemas"]!["ProblemDetails"]!["title"]!.GetValue<string>());
        Assert.NotNull(document["components"]!["schemas"]!["AuditPage"]);
    }
}
