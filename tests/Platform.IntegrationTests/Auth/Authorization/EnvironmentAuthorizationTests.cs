using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Platform.IntegrationTests.Deploy;
using Platform.IntegrationTests.Infrastructure;
using static Platform.IntegrationTests.Deploy.EnvironmentFiles;

namespace Platform.IntegrationTests.Auth.Authorization;

/// <summary>
/// A private namespace's environment behind the gateway, built once for the auth tests: released once, then applied
/// again as protected (a release waiting for 2 approvals), with an owner, a maintainer and a reader of the namespace, an
/// approver the file names who is no member, a stranger, the admin and nobody, each with Basic credentials and with a
/// bearer token. Deploy runs in this process on the auth fixture's database, trusting only the gateway's signature;
/// its engine is a real process.
/// </summary>
public sealed class EnvironmentWorld
{
    public const string Password = "environment-password-1";
    public static readonly string[] Roles = ["owner", "maintainer", "reader", "approver", "stranger", "admin"];
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static EnvironmentWorld? _built;

    public required string Namespace { get; init; }
    public required string Environment { get; init; }
    public required string Missing { get; init; }
    /// <summary>The release waiting for approvals (its location).</summary>
    public string Release { get; private set; } = "";
    public required string ProtectedFile { get; init; }
    public required Func<HttpClient> Gateway { get; init; }
    public required IReadOnlyDictionary<string, string> Tokens { get; init; }

    public static async Task<EnvironmentWorld> GetAsync(AuthFixture auth)
    {
        await Gate.WaitAsync();
        try
        {
            return _built ??= await BuildAsync(auth);
        }
        finally
        {
            Gate.Release();
        }
    }

    public string Account(string role) => role == "admin" ? "admin" : $"{Namespace}-{role}";

    private static async Task<EnvironmentWorld> BuildAsync(AuthFixture auth)
    {
        var ns = $"env{Guid.NewGuid():N}"[..12];
        await auth.CreateNamespaceAsync(ns);
        foreach (var role in Roles.Where(r => r != "admin"))
            await auth.CreateUserAsync($"{ns}-{role}", Password);
        foreach (var role in new[] { "owner", "maintainer", "reader" })
            await auth.AddMemberAsync(ns, $"{ns}-{role}", role);

        var engine = await EngineProcess.StartAsync();
        auth.Own(engine);
        var modules = new TestModuleCatalog();
        modules.Push("shop/ledger", "counter", "v1");
        var deploy = DeployHost.Start(engine.Url, auth.Database, modules, b => b.UseSetting("Auth:InternalKey", AuthFixture.InternalKey));
        auth.Own(deploy);
        var gateway = auth.Gateway(b => b.UseSetting("Services:Deploy", deploy.Url));

        var tokens = new Dictionary<string, string>();
        foreach (var role in Roles)
            tokens[role] = await auth.TokenAsync(role == "admin" ? "admin" : $"{ns}-{role}", role == "admin" ? AuthFixture.AdminPassword : Password);
        var world = new EnvironmentWorld
        {
            Namespace = ns,
            Environment = ns + "-staging",
            Missing = ns + "-nothing",
            ProtectedFile = EnvFile(ns + "-staging", Service("ledger", "shop/ledger@v1", "(1)"), ns, Protected(2, $"{ns}-approver, {ns}-nobody")),
            Gateway = gateway.CreateClient,
            Tokens = tokens,
        };

        // A maintainer releases it, then an owner applies it as protected: that release waits for its approvers.
        var first = await world.SendAsync("maintainer", "basic", HttpMethod.Put, $"/api/v1/environments/{world.Environment}",
            EnvFile(world.Environment, Service("ledger", "shop/ledger@v1", "(1)"), ns));
        Assert.True(first.Status == HttpStatusCode.Accepted, first.Body);
        using (var admin = world.Client("admin", "basic"))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while ((await admin.GetFromJsonAsync<JsonElement>(first.Location!)).GetProperty("status").GetString() != "succeeded")
            {
                Assert.True(DateTime.UtcNow < deadline, "the first release did not succeed");
                await Task.Delay(200);
            }
        }
        var second = await world.SendAsync("owner", "bearer", HttpMethod.Put, $"/api/v1/environments/{world.Environment}", world.ProtectedFile);
        Assert.True(second.Status == HttpStatusCode.Accepted, second.Body);
        world.Release = second.Location!;
        return world;
    }

    /// <summary>A client of the gateway sending <paramref name="role"/>'s credentials of that kind (anonymous: none).</summary>
    public HttpClient Client(string role, string kind)
    {
        var http = Gateway();
        http.DefaultRequestHeaders.Authorization = role == "anonymous" ? null
            : kind == "bearer" ? new AuthenticationHeaderValue("Bearer", Tokens[role])
            : AuthFixture.Basic(Account(role), role == "admin" ? AuthFixture.AdminPassword : Password);
        return http;
    }

    public sealed record Answer(HttpStatusCode Status, string Body, string? Location, string? MediaType)
    {
        public string? Title => Body.StartsWith('{') ? JsonDocument.Parse(Body).RootElement.TryGetProperty("title", out var t) ? t.GetString() : null : null;
    }

    public async Task<Answer> SendAsync(string role, string kind, HttpMethod method, string path, string? body = null, string mediaType = "application/yaml")
    {
        using var http = Client(role, kind);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, mediaType);
        using var response = await http.SendAsync(request);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.ToString(),
            response.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>
/// Every environment route through the gateway, for each role and both kinds of credentials: members read, owners and
/// maintainers apply and delete, the file's approvers read and vote (Deploy refuses the votes of anyone else it lets
/// through), admins do everything, a stranger gets the same 403 whether the environment exists or not, nobody is asked
/// to log in.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class EnvironmentAuthorizationTests(AuthFixture auth)
{
    private static readonly string[] Readers = ["owner", "maintainer", "reader", "approver", "admin"];
    private static readonly string[] Writers = ["owner", "maintainer", "admin"];

    /// <summary>What each route answers a caller it lets through, and who those are; everyone else: 403 from the gateway.</summary>
    private static (HttpStatusCode Admitted, string[] Who, string[] RefusedByDeploy) Rule(string route) => route switch
    {
        "read" or "service" or "release" => (HttpStatusCode.OK, Readers, []),
        "dry-run" => (HttpStatusCode.OK, Writers, []),
        // A release is waiting for approvals: Deploy takes no other one, and deletes nothing, meanwhile.
        "apply" or "delete" => (HttpStatusCode.Conflict, Writers, []),
        // The vote is malformed: an approver is told so; members and admins reach Deploy, which counts approvers only.
        "vote" => (HttpStatusCode.BadRequest, ["approver"], ["owner", "maintainer", "reader", "admin"]),
        "read-missing" or "delete-missing" or "vote-missing" => (HttpStatusCode.NotFound, ["admin"], []),
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, null),
    };

    public static TheoryData<string, string, string> Matrix()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var route in new[] { "read", "service", "release", "dry-run", "apply", "delete", "vote", "read-missing", "delete-missing", "vote-missing" })
        {
            foreach (var role in EnvironmentWorld.Roles)
                foreach (var kind in new[] { "basic", "bearer" })
                    data.Add(role, kind, route);
            data.Add("anonymous", "none", route);
        }
        return data;
    }

    private static Task<EnvironmentWorld.Answer> AskAsync(EnvironmentWorld world, string role, string kind, string route) => route switch
    {
        "read" => world.SendAsync(role, kind, HttpMethod.Get, $"/api/v1/environments/{world.Environment}"),
        "service" => world.SendAsync(role, kind, HttpMethod.Get, $"/api/v1/environments/{world.Environment}/services/ledger"),
        "release" => world.SendAsync(role, kind, HttpMethod.Get, world.Release),
        "dry-run" => world.SendAsync(role, kind, HttpMethod.Put, $"/api/v1/environments/{world.Environment}?dryRun=true", world.ProtectedFile),
        "apply" => world.SendAsync(role, kind, HttpMethod.Put, $"/api/v1/environments/{world.Environment}", world.ProtectedFile),
        "delete" => world.SendAsync(role, kind, HttpMethod.Delete, $"/api/v1/environments/{world.Environment}"),
        "vote" => world.SendAsync(role, kind, HttpMethod.Post, world.Release + "/approvals", """{"vote":"maybe"}""", "application/json"),
        "read-missing" => world.SendAsync(role, kind, HttpMethod.Get, $"/api/v1/environments/{world.Missing}"),
        "delete-missing" => world.SendAsync(role, kind, HttpMethod.Delete, $"/api/v1/environments/{world.Missing}"),
        "vote-missing" => world.SendAsync(role, kind, HttpMethod.Post, $"/api/v1/environments/{world.Missing}/releases/{Guid.NewGuid()}/approvals",
            """{"vote":"maybe"}""", "application/json"),
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, null),
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Every_environment_route_answers_each_role(string role, string kind, string route)
    {
        var world = await EnvironmentWorld.GetAsync(auth);
        var (admitted, who, refusedByDeploy) = Rule(route);

        var answer = await AskAsync(world, role, kind, route);

        var expected = role == "anonymous" ? HttpStatusCode.Unauthorized : who.Contains(role) ? admitted : HttpStatusCode.Forbidden;
        Assert.True(expected == answer.Status, $"{role} ({kind}) {route}: {(int)answer.Status} {answer.Body}");
        if (answer.Status is HttpStatusCode.OK or HttpStatusCode.Accepted)
            return;
        Assert.Equal("application/problem+json", answer.MediaType);
        if (expected == HttpStatusCode.Forbidden)
            // Deploy's refusal names the approvers; the gateway's tells nothing of the environment.
            Assert.Equal(refusedByDeploy.Contains(role), answer.Title?.Contains("is not an approver") == true);
    }

    [Theory]
    [InlineData("stranger", "read", "read-missing")]
    [InlineData("stranger", "delete", "delete-missing")]
    [InlineData("stranger", "vote", "vote-missing")]
    [InlineData("reader", "delete", "delete-missing")]
    public async Task A_caller_who_may_not_see_it_cannot_tell_whether_an_environment_exists(string role, string existing, string missing)
    {
        var world = await EnvironmentWorld.GetAsync(auth);
        var there = await AskAsync(world, role, "basic", existing);
        var notThere = await AskAsync(world, role, "basic", missing);
        Assert.Equal(HttpStatusCode.Forbidden, there.Status);
        Assert.Equal((there.Status, there.Title), (notThere.Status, notThere.Title));
        Assert.DoesNotContain(world.Environment, there.Body);
    }

    [Fact]
    public async Task An_approvers_vote_through_the_gateway_is_recorded_with_the_approver_as_actor()
    {
        var world = await EnvironmentWorld.GetAsync(auth);
        var voted = await world.SendAsync("approver", "bearer", HttpMethod.Post, world.Release + "/approvals",
            """{"vote":"approve","comment":"looks right"}""", "application/json");
        Assert.True(voted.Status == HttpStatusCode.OK, voted.Body);
        var release = JsonDocument.Parse(voted.Body).RootElement;
        // One of two approvals: still waiting, with the vote in the approver's name.
        Assert.Equal("awaiting-approval", release.GetProperty("status").GetString());
        var vote = release.GetProperty("approvals").GetProperty("votes").EnumerateArray().Single();
        Assert.Equal(world.Account("approver"), vote.GetProperty("approver").GetString());
        var again = await world.SendAsync("approver", "basic", HttpMethod.Post, world.Release + "/approvals", """{"vote":"approve"}""", "application/json");
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
    }
}
