using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Hosting;

/// <summary>/readyz reflects the real dependencies: it goes red when PostgreSQL is stopped and green again after.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_turns_red_when_PostgreSQL_stops_and_green_when_it_is_back()
    {
        await using var postgres = await ThrowawayPostgres.StartAsync();
        await using var factory = new WebApplicationFactory<Platform.Metadata.MetadataService>().WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", postgres.ConnectionString);
        });
        var client = factory.CreateClient();

        var green = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, green.StatusCode);

        await postgres.StopServerAsync();
        var red = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, red.StatusCode);
        using var body = JsonDocument.Parse(await red.Content.ReadAsStringAsync());
        Assert.Equal("Unhealthy", body.RootElement.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
        // The read side has no broker to wait for (ReadinessScopeTests: it stays ready while RabbitMQ is down).
        Assert.False(body.RootElement.GetProperty("checks").TryGetProperty("masstransit-bus", out _));

        // Liveness is not readiness: the process still answers.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        await postgres.StartServerAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }
}
