using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Canisters;
using Platform.IntegrationTests.Distribution;

namespace Platform.IntegrationTests.Auth.Authorization;

/// <summary>
/// /api/v1/canisters decides as /api/v1/repositories does: pull on the module's repository, for every read of it
/// (the bytes Ingest serves included), and the listing shows only what the caller may pull. The push is audited
/// under the pusher's name, and the version says who pushed it.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class CanisterApiAuthorizationTests(AuthFixture auth)
{
    private const string Password = "password-1";

    private sealed record World(string Repo, string Developer, string Outsider, PushedVersion Version);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static World? _world;

    private async Task<World> WorldAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_world is not null)
                return _world;
            var id = Guid.NewGuid().ToString("N")[..8];
            string ns = $"cans{id}", developer = $"dev{id}", outsider = $"out{id}";
            await auth.CreateNamespaceAsync(ns);
            await auth.CreateUserAsync(developer, Password);
            await auth.CreateUserAsync(outsider, Password);
            await auth.AddMemberAsync(ns, developer, "developer");
            var repo = $"{ns}/ledger";
            using var pusher = auth.WithToken(await auth.TokenAsync(developer, Password, $"repository:{repo}:pull,push"));
            var version = await CanisterArtifacts.PushAsync(new RegistryClient(pusher), repo, CanisterArtifacts.Module("counter"), gzip: true,
                "main", "v1", CanisterArtifacts.Commit(id));
            return _world = new World(repo, developer, outsider, version);
        }
        finally
        {
            Gate.Release();
        }
    }

    [Theory]
    [InlineData("developer", HttpStatusCode.OK)]
    [InlineData("admin", HttpStatusCode.OK)]
    [InlineData("outsider", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    public async Task Every_canister_read_answers_only_who_may_pull(string who, HttpStatusCode expected)
    {
        var world = await WorldAsync();
        using var http = Client(world, who);
        foreach (var path in new[]
                 {
                     $"/api/v1/canisters/{world.Repo}", $"/api/v1/canisters/{world.Repo}/versions",
                     $"/api/v1/canisters/{world.Repo}/resolve?selector=main:latest",
                     $"/api/v1/canisters/{world.Repo}/versions/{world.Version.Digest}/wasm",
                     $"/api/v1/canisters/{world.Repo}/versions/{world.Version.Digest}/candid",
                 })
        {
            using var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(expected == response.StatusCode, $"{who} GET {path}: {(int)response.StatusCode} {body}");
            if (expected != HttpStatusCode.OK)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.DoesNotContain("sha256:", body);
            }
        }
    }

    [Theory]
    [InlineData("developer", true)]
    [InlineData("admin", true)]
    [InlineData("outsider", false)]
    [InlineData("anonymous", false)]
    public async Task The_canister_list_shows_only_what_the_caller_may_pull(string who, bool sees)
    {
        var world = await WorldAsync();
        using var http = Client(world, who);
        using var response = await http.GetAsync($"/api/v1/canisters?n=1000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var names = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("canisters")
            .EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(sees, names.Contains(world.Repo));
    }

    [Fact]
    public async Task The_audit_log_and_the_version_name_the_pusher()
    {
        var world = await WorldAsync();
        using var admin = auth.Admin();
        using (var resolve = await admin.GetAsync($"/api/v1/canisters/{world.Repo}/resolve?selector=v1"))
        {
            var version = JsonDocument.Parse(await resolve.Content.ReadAsStringAsync()).RootElement.GetProperty("version");
            Assert.Equal(world.Developer, version.GetProperty("pushedBy").GetString());
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var response = await admin.GetAsync($"/api/v1/audit/events?repository={Uri.EscapeDataString(world.Repo)}&action=canister.pushed");
            var events = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("events").EnumerateArray().ToList();
            if (events.Count > 0)
            {
                var pushed = Assert.Single(events);
                Assert.Equal(world.Developer, pushed.GetProperty("actor").GetString());
                Assert.Equal(world.Version.Digest, pushed.GetProperty("digest").GetString());
                Assert.Equal($"main:v1@{world.Version.Commit}", pushed.GetProperty("tag").GetString());
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "no canister.pushed in the audit log");
            await Task.Delay(200);
        }
    }

    private HttpClient Client(World world, string who)
    {
        var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = who switch
        {
            "developer" => AuthFixture.Basic(world.Developer, Password),
            "outsider" => AuthFixture.Basic(world.Outsider, Password),
            "admin" => AuthFixture.Basic("admin", AuthFixture.AdminPassword),
            _ => null,
        };
        return http;
    }
}
