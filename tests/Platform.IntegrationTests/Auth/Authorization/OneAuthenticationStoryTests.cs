using System.Net;
using System.Net.Http.Headers;
using Platform.IntegrationTests.Distribution;

namespace Platform.IntegrationTests.Auth.Authorization;

/// <summary>
/// Under /api/v1 every route takes HTTP Basic (password, robot secret, personal access token) and bearer tokens
/// alike; on /v2 the token flow of the spec stays. Credentials that are wrong are a 401 wherever they are sent,
/// never a quiet fall back to anonymous with an empty answer.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class OneAuthenticationStoryTests(AuthFixture auth)
{
    [Theory]
    [InlineData("admin", "/api/v1/audit/verify")]
    [InlineData("admin", "/api/v1/users")]
    [InlineData("member", "/api/v1/repositories")]
    [InlineData("member", "/api/v1/tokens")]
    [InlineData("robot", "/api/v1/repositories")]
    [InlineData("pat", "/api/v1/repositories")]
    [InlineData("pat", "/api/v1/tokens")]
    public async Task Basic_credentials_work_on_every_platform_route(string who, string path)
    {
        var world = await ApiWorld.GetAsync(auth);
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = world.Credentials(who);
        using var response = await http.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{who} GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("/api/v1/audit/verify")]
    [InlineData("/api/v1/users")]
    [InlineData("/api/v1/repositories")]
    [InlineData("/api/v1/tokens")]
    public async Task Bearer_tokens_work_on_every_platform_route(string path)
    {
        using var http = auth.WithToken(await auth.TokenAsync("admin", AuthFixture.AdminPassword));
        using var response = await http.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("public")]
    [InlineData("public-blob")]
    [InlineData("list")]
    [InlineData("audit")]
    [InlineData("users")]
    [InlineData("catalog")]
    [InlineData("v2-public-tags")]
    public async Task A_wrong_password_is_401_everywhere_even_where_anonymous_callers_are_let_in(string route)
    {
        var world = await ApiWorld.GetAsync(auth);
        var path = route switch
        {
            "list" => "/api/v1/repositories",
            "audit" => "/api/v1/audit/verify",
            "users" => "/api/v1/users",
            "catalog" => "/v2/_catalog",
            "v2-public-tags" => $"/v2/{world.PublicRepo}/tags/list",
            _ => world.Path(route),
        };
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        // A user of its own, so the failed logins of this test throttle nobody else.
        var user = "wrong" + Guid.NewGuid().ToString("N")[..8];
        await auth.CreateUserAsync(user, "the-right-password");
        http.DefaultRequestHeaders.Authorization = AuthFixture.Basic(user, "a-wrong-password");

        using var response = await http.GetAsync(path);

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
            $"GET {path} with a wrong password: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Garbage_in_the_authorization_header_is_401_not_anonymous()
    {
        var world = await ApiWorld.GetAsync(auth);
        foreach (var (scheme, value) in new[] { ("Bearer", "not-a-token"), ("Basic", "!!!not-base64"), ("Digest", "whatever") })
            foreach (var path in new[] { world.Path("public"), "/api/v1/repositories", "/v2/_catalog", "/token?service=platform-registry" })
            {
                using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, value);
                using var response = await http.GetAsync(path);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{scheme} on {path}: {(int)response.StatusCode}");
            }
    }

    [Fact]
    public async Task On_v2_basic_credentials_are_answered_with_the_token_challenge()
    {
        // The spec's flow: /v2 takes bearer tokens; a client with a password gets them at the realm.
        var world = await ApiWorld.GetAsync(auth);
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = world.Credentials("member");
        using var response = await http.GetAsync($"/v2/{world.PrivateRepo}/tags/list");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith($"Bearer realm=\"{auth.GatewayUrl}token\"", response.Headers.WwwAuthenticate.ToString());
        await RegistryClient.AssertErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        using var token = auth.WithToken(await auth.TokenAsync(world.Member, ApiWorld.Password, $"repository:{world.PrivateRepo}:pull"));
        using var ok = await token.GetAsync($"/v2/{world.PrivateRepo}/tags/list");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
