using System.Net;
using System.Text.Json;

namespace Platform.IntegrationTests.Auth.Authorization;

/// <summary>
/// Garbage collection through the gateway: only admins may run it or see a dry run's list (it names blobs and
/// repositories of every namespace).
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class GcRouteTests(AuthFixture auth)
{
    [Theory]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    [InlineData("outsider", HttpStatusCode.Forbidden)]
    [InlineData("member", HttpStatusCode.Forbidden)]
    [InlineData("robot", HttpStatusCode.Forbidden)]
    [InlineData("pat", HttpStatusCode.Forbidden)]
    public async Task Nobody_but_an_admin_runs_garbage_collection(string who, HttpStatusCode expected)
    {
        var world = await ApiWorld.GetAsync(auth);
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = world.Credentials(who);

        using var response = await http.PostAsync("/api/v1/admin/gc?dryRun=true", null);

        Assert.True(response.StatusCode == expected, $"{who}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task An_admin_gets_the_dry_run_report_from_ingest()
    {
        var world = await ApiWorld.GetAsync(auth);
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = world.Credentials("admin");

        using var response = await http.PostAsync("/api/v1/admin/gc?dryRun=true", null);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var report = JsonDocument.Parse(body);
        Assert.True(report.RootElement.GetProperty("dryRun").GetBoolean());
    }
}
