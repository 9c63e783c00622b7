using Platform.Hosting.Topology;

namespace Platform.UnitTests.Hosting.Topology;

public sealed class ServiceCatalogTests
{
    [Fact]
    public void The_embedded_list_names_every_service_with_a_project_of_its_own()
    {
        var names = ServiceCatalog.All.Select(s => s.Name).ToArray();

        Assert.Subset(names.ToHashSet(), new HashSet<string> { "ingest", "metadata", "pinning", "audit", "scaler", "engine", "gateway" });
        // The gateway starts last: its readiness asks the services it routes to.
        Assert.Equal("gateway", names[^1]);
        Assert.Equal(names.Length, names.Distinct().Count());
        Assert.Equal(ServiceCatalog.All.Count, ServiceCatalog.All.Select(s => s.DefaultPort).Distinct().Count());
        Assert.All(ServiceCatalog.All, s => Assert.StartsWith("PLATFORM_", s.PortVariable));
    }

    [Fact]
    public void The_gateway_routes_to_the_registry_backends_and_to_nothing_that_has_no_route()
    {
        Assert.Equal(["ingest", "metadata", "audit", "scaler", "deploy"], ServiceCatalog.Routed.Select(s => s.Name));
        Assert.False(ServiceCatalog.Get("gateway").Http2Only);
        Assert.True(ServiceCatalog.Get("ingest").Http2Only);
    }

    [Fact]
    public void Parse_skips_comments_and_blank_lines_and_reads_each_column()
    {
        var services = ServiceCatalog.Parse("""
            # name project var port protocol routed

            web   Web   PLATFORM_WEB_PORT   7000  http1  yes
            """);

        var web = Assert.Single(services);
        Assert.Equal(new PlatformService("web", "Web", "PLATFORM_WEB_PORT", 7000, false, true), web);
    }

    [Theory]
    [InlineData("web Web PLATFORM_WEB_PORT 7000 http1")]
    [InlineData("web Web PLATFORM_WEB_PORT seven http1 yes")]
    [InlineData("web Web PLATFORM_WEB_PORT 7000 grpc yes")]
    [InlineData("web Web PLATFORM_WEB_PORT 7000 h2c maybe")]
    public void Parse_refuses_a_malformed_line_and_names_it(string line)
    {
        var error = Assert.Throws<FormatException>(() => ServiceCatalog.Parse("# header\n" + line));
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void Get_of_an_unknown_name_says_so()
    {
        var error = Assert.Throws<ArgumentException>(() => ServiceCatalog.Get("nope"));
        Assert.Contains("nope", error.Message);
    }
}
