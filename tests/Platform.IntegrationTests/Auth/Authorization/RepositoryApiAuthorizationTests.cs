using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.IntegrationTests.Auth.Authorization;

/// <summary>
/// The platform API's repository routes decide as /v2 does: what the caller may pull. A logged-in user who is no
/// member of a private namespace reads nothing of it here either (tags, digests, CIDs), and the listing shows
/// only what the caller may pull, like /v2/_catalog.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class RepositoryApiAuthorizationTests(AuthFixture auth)
{
    [Theory]
    [InlineData("member", "private", HttpStatusCode.OK)]
    [InlineData("member", "private-blob", HttpStatusCode.OK)]
    [InlineData("pat", "private", HttpStatusCode.OK)]
    [InlineData("robot", "private", HttpStatusCode.OK)]
    [InlineData("robot", "private-blob", HttpStatusCode.OK)]
    [InlineData("admin", "private", HttpStatusCode.OK)]
    [InlineData("admin", "private-blob", HttpStatusCode.OK)]
    [InlineData("outsider", "private", HttpStatusCode.Forbidden)]
    [InlineData("outsider", "private-blob", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", "private", HttpStatusCode.Unauthorized)]
    [InlineData("anonymous", "private-blob", HttpStatusCode.Unauthorized)]
    [InlineData("anonymous", "public", HttpStatusCode.OK)]
    [InlineData("anonymous", "public-blob", HttpStatusCode.OK)]
    [InlineData("outsider", "public", HttpStatusCode.OK)]
    [InlineData("member", "public-blob", HttpStatusCode.OK)]
    public async Task A_repository_route_answers_only_who_may_pull(string who, string route, HttpStatusCode expected)
    {
        var world = await ApiWorld.GetAsync(auth);
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = world.Credentials(who);

        using var response = await http.GetAsync(world.Path(route));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{who} GET {route}: {(int)response.StatusCode} {body}");
        if (expected == HttpStatusCode.OK)
            return;
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // Nothing of the private repository leaks into a refusal.
        Assert.DoesNotContain("sha256:", body);
        if (expected == HttpStatusCode.Unauthorized)
            Assert.Contains(response.Headers.WwwAuthenticate, c => c.Scheme == "Basic");
    }

    [Theory]
    [InlineData("member", true)]
    [InlineData("robot", true)]
    [InlineData("admin", true)]
    [InlineData("outsider", false)]
    [InlineData("anonymous", false)]
    public async Task The_repository_list_shows_only_what_the_caller_may_pull(string who, bool seesPrivate)
    {
        var world = await ApiWorld.GetAsync(auth);
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = world.Credentials(who);

        var names = await ListAllAsync(http);

        Assert.Contains(world.PublicRepo, names);
        Assert.Equal(seesPrivate, names.Contains(world.PrivateRepo));
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(names.Distinct().Count(), names.Count);
    }

    [Fact]
    public async Task The_filtered_list_pages_with_n_and_last_and_a_next_link()
    {
        var world = await ApiWorld.GetAsync(auth);
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = world.Credentials("outsider");
        var all = await ListAllAsync(http, pageSize: 1000);

        // One at a time gives the same names, each page pointing at the next.
        var paged = await ListAllAsync(http, pageSize: 1);
        Assert.Equal(all, paged);
        using (var bad = await http.GetAsync("/api/v1/repositories?n=0"))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task A_bearer_token_reads_only_the_repositories_it_grants_pull_on()
    {
        var world = await ApiWorld.GetAsync(auth);
        // The member may pull the private repository, but this token was asked for the public one only.
        using (var narrow = auth.WithToken(await auth.TokenAsync(world.Member, ApiWorld.Password, $"repository:{world.PublicRepo}:pull")))
        {
            using (var ok = await narrow.GetAsync(world.Path("public")))
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            using var refused = await narrow.GetAsync(world.Path("private"));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains($"scope=\"repository:{world.PrivateRepo}:pull\"", refused.Headers.WwwAuthenticate.ToString());
            Assert.Contains("error=\"insufficient_scope\"", refused.Headers.WwwAuthenticate.ToString());
        }
        using (var granted = auth.WithToken(await auth.TokenAsync(world.Member, ApiWorld.Password, $"repository:{world.PrivateRepo}:pull")))
        using (var ok = await granted.GetAsync(world.Path("private-blob")))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        // The outsider's token cannot be given the scope: the account may not pull.
        using var outsider = auth.WithToken(await auth.TokenAsync(world.Outsider, ApiWorld.Password, $"repository:{world.PrivateRepo}:pull"));
        using var denied = await outsider.GetAsync(world.Path("private"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    [Theory]
    [InlineData("admin", HttpStatusCode.OK)]
    [InlineData("member", HttpStatusCode.Forbidden)]
    [InlineData("robot", HttpStatusCode.Forbidden)]
    [InlineData("outsider", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    public async Task The_audit_log_is_for_admins(string who, HttpStatusCode expected)
    {
        var world = await ApiWorld.GetAsync(auth);
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = world.Credentials(who);
        foreach (var path in new[] { "/api/v1/audit/verify", $"/api/v1/audit/events?repository={world.PrivateRepo}" })
        {
            using var response = await http.GetAsync(path);
            Assert.True(expected == response.StatusCode, $"{who} GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Every name of the listing, following its next links; each page at most <paramref name="pageSize"/>.</summary>
    private static async Task<List<string>> ListAllAsync(HttpClient http, int pageSize = 100)
    {
        var names = new List<string>();
        var next = $"/api/v1/repositories?n={pageSize}";
        while (next is not null)
        {
            using var response = await http.GetAsync(next);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {next}: {(int)response.StatusCode} {text}");
            var body = JsonDocument.Parse(text).RootElement;
            var page = body.GetProperty("repositories").EnumerateArray().Select(r => r.GetProperty("name").GetString()!).ToList();
            Assert.True(page.Count <= pageSize);
            names.AddRange(page);
            next = body.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (next is not null)
                Assert.NotNull(response.Headers.GetValues("Link").SingleOrDefault());
        }
        return names;
    }
}
