using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Platform.IntegrationTests.Auth.Authorization;

/// <summary>
/// A namespace's retention rules (answered by Ingest, routed by the gateway): its members read them, its owners
/// and maintainers change them, admins always; a stranger is refused, anonymous is asked to log in.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class RetentionAuthorizationTests(AuthFixture auth)
{
    private const string Password = "retention-password-1";
    private static readonly SemaphoreSlim Setup = new(1, 1);
    private static string? _namespace;

    private async Task<string> NamespaceAsync()
    {
        await Setup.WaitAsync();
        try
        {
            if (_namespace is not null)
                return _namespace;
            var ns = $"ret{Guid.NewGuid():N}"[..16];
            await auth.CreateNamespaceAsync(ns);
            foreach (var (user, role) in new[] { ("owner", "owner"), ("maintainer", "maintainer"), ("reader", "reader"), ("stranger", null as string) })
            {
                await auth.CreateUserAsync($"{ns}-{user}", Password);
                if (role is not null)
                    await auth.AddMemberAsync(ns, $"{ns}-{user}", role);
            }
            return _namespace = ns;
        }
        finally
        {
            Setup.Release();
        }
    }

    private HttpClient As(string who, string ns)
    {
        var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = who switch
        {
            "anonymous" => null,
            "admin" => AuthFixture.Basic("admin", AuthFixture.AdminPassword),
            _ => AuthFixture.Basic($"{ns}-{who}", Password),
        };
        return http;
    }

    [Theory]
    [InlineData("owner", HttpStatusCode.OK)]
    [InlineData("maintainer", HttpStatusCode.OK)]
    [InlineData("reader", HttpStatusCode.OK)]
    [InlineData("stranger", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    [InlineData("admin", HttpStatusCode.OK)]
    public async Task Reading_a_namespaces_retention_rules_is_for_its_members(string who, HttpStatusCode expected)
    {
        var ns = await NamespaceAsync();
        using var http = As(who, ns);
        using var response = await http.GetAsync($"/api/v1/namespaces/{ns}/retention");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{who} GET: {(int)response.StatusCode} {body}");
        if (expected == HttpStatusCode.OK)
            Assert.Contains($"\"namespace\":\"{ns}\"", body);
        else
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("owner", HttpStatusCode.OK)]
    [InlineData("maintainer", HttpStatusCode.OK)]
    [InlineData("reader", HttpStatusCode.Forbidden)]
    [InlineData("stranger", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    [InlineData("admin", HttpStatusCode.OK)]
    public async Task Changing_them_is_for_its_owners_and_maintainers_and_admins(string who, HttpStatusCode expected)
    {
        var ns = await NamespaceAsync();
        using var http = As(who, ns);
        var count = Random.Shared.Next(1, 1000);
        using var response = await http.PutAsync($"/api/v1/namespaces/{ns}/retention", Json("{\"keepLastTags\":{\"pattern\":\"^" + who + "-\",\"count\":" + count + "}}"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{who} PUT: {(int)response.StatusCode} {body}");

        using var admin = As("admin", ns);
        var stored = await admin.GetStringAsync($"/api/v1/namespaces/{ns}/retention");
        if (expected == HttpStatusCode.OK)
        {
            Assert.Contains($"\"count\":{count}", stored);
            Assert.Contains(who == "admin" ? "\"updatedBy\":\"admin\"" : $"\"updatedBy\":\"{ns}-{who}\"", stored);
        }
        else
            Assert.DoesNotContain($"\"pattern\":\"^{who}-\"", stored);
    }

    [Fact]
    public async Task A_bad_rule_is_a_400_naming_the_field()
    {
        var ns = await NamespaceAsync();
        using var http = As("owner", ns);
        using var response = await http.PutAsync($"/api/v1/namespaces/{ns}/retention",
            Json("""{"keepLastTags":{"pattern":"(unclosed","count":5},"untaggedOlderThan":"a week"}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("keepLastTags.pattern", body);
        Assert.Contains("untaggedOlderThan", body);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
