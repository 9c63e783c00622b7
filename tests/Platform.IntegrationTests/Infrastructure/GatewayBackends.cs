using Microsoft.AspNetCore.Hosting;
using Platform.Hosting.Topology;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// Points a test's gateway at the services it routes to (services.tsv): the ones the test runs, by name, at their
/// addresses, every other routed service at a port where nothing listens, so a new routed service needs no edit here.
/// </summary>
public static class GatewayBackends
{
    public static void Point(IWebHostBuilder gateway, IReadOnlyDictionary<string, string> running)
    {
        foreach (var service in ServiceCatalog.Routed)
            gateway.UseSetting($"Services:{service.Project}",
                running.TryGetValue(service.Name, out var address) ? address : $"http://127.0.0.1:{ThrowawayPostgres.FreePort()}");
    }
}
