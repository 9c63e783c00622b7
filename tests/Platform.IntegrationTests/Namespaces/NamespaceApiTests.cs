using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.IntegrationTests.Auth;

namespace Platform.IntegrationTests.Namespaces;

/// <summary>
/// GET and PATCH /api/v1/namespaces/{ns} and the settings on create and list: who may read (members, admins),
/// who may change (owners, admins), and that a bad value is refused naming its field.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class NamespaceApiTests(AuthFixture auth)
{
    private const string Password = "password-1";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (string Ns, string Owner, string Member, string Stranger)? _world;

    private async Task<(string Ns, string Owner, string Member, string Stranger)> WorldAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_world is { } built)
                return built;
            var id = Guid.NewGuid().ToString("N")[..8];
            var world = (Ns: $"team{id}", Owner: $"owner{id}", Member: $"dev{id}", Stranger: $"stranger{id}");
            await auth.CreateNamespaceAsync(world.Ns);
            foreach (var user in new[] { world.Owner, world.Member, world.Stranger })
                await auth.CreateUserAsync(user, Password);
            await auth.AddMemberAsync(world.Ns, world.Owner, "owner");
            await auth.AddMemberAsync(world.Ns, world.Member, "maintainer");
            _world = world;
            return world;
        }
        finally
        {
            Gate.Release();
        }
    }

    private HttpClient As(AuthenticationHeaderValue? credentials)
    {
        var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = credentials;
        return http;
    }

    private async Task<AuthenticationHeaderValue?> CredentialsAsync(string who)
    {
        var w = await WorldAsync();
        return who switch
        {
            "owner" => AuthFixture.Basic(w.Owner, Password),
            "member" => AuthFixture.Basic(w.Member, Password),
            "stranger" => AuthFixture.Basic(w.Stranger, Password),
            "admin" => AuthFixture.Basic("admin", AuthFixture.AdminPassword),
            "anonymous" => null,
            _ => throw new ArgumentOutOfRangeException(nameof(who), who, null),
        };
    }

    [Theory]
    [InlineData("owner", HttpStatusCode.OK)]
    [InlineData("member", HttpStatusCode.OK)]
    [InlineData("admin", HttpStatusCode.OK)]
    [InlineData("stranger", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    public async Task Members_and_admins_read_a_namespace_with_its_usage(string who, HttpStatusCode expected)
    {
        var w = await WorldAsync();
        using var http = As(await CredentialsAsync(who));
        using var response = await http.GetAsync($"/api/v1/namespaces/{w.Ns}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{who}: {(int)response.StatusCode} {body}");
        if (expected != HttpStatusCode.OK)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return;
        }
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(w.Ns, json.GetProperty("name").GetString());
        Assert.False(json.GetProperty("public").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("ipfs").ValueKind);
        Assert.Equal("encrypted", json.GetProperty("ipfsEffective").GetString());
        Assert.Equal(0, json.GetProperty("usage").GetProperty("bytes").GetInt64());
    }

    [Theory]
    [InlineData("owner", HttpStatusCode.OK)]
    [InlineData("admin", HttpStatusCode.OK)]
    [InlineData("member", HttpStatusCode.Forbidden)]
    [InlineData("stranger", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    public async Task Owners_and_admins_change_a_namespace(string who, HttpStatusCode expected)
    {
        var w = await WorldAsync();
        using var http = As(await CredentialsAsync(who));
        // Sets what the namespace has already (unlimited): the tests running in parallel see no difference.
        using var response = await http.PatchAsync($"/api/v1/namespaces/{w.Ns}", Json("""{"quotaBytes":null}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{who}: {(int)response.StatusCode} {body}");
        if (expected == HttpStatusCode.OK)
            Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(body).RootElement.GetProperty("quotaBytes").ValueKind);
    }

    [Theory]
    [InlineData("admin", HttpStatusCode.OK, HttpStatusCode.Created)]
    [InlineData("owner", HttpStatusCode.Forbidden, HttpStatusCode.Forbidden)]
    [InlineData("member", HttpStatusCode.Forbidden, HttpStatusCode.Forbidden)]
    [InlineData("stranger", HttpStatusCode.Forbidden, HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized)]
    public async Task Only_admins_list_and_create_namespaces(string who, HttpStatusCode list, HttpStatusCode create)
    {
        using var http = As(await CredentialsAsync(who));
        using var listed = await http.GetAsync("/api/v1/namespaces");
        using var created = await http.PostAsync("/api/v1/namespaces", Json($$"""{"name":"new{{Guid.NewGuid():N}}","quotaBytes":10}"""));
        Assert.Equal(list, listed.StatusCode);
        Assert.Equal(create, created.StatusCode);
    }

    [Theory]
    [InlineData("stranger", HttpStatusCode.Forbidden)]
    [InlineData("admin", HttpStatusCode.NotFound)]
    public async Task A_namespace_that_does_not_exist_is_404_for_admins_only(string who, HttpStatusCode expected)
    {
        using var http = As(await CredentialsAsync(who));
        using var get = await http.GetAsync("/api/v1/namespaces/nosuchnamespace");
        using var patch = await http.PatchAsync("/api/v1/namespaces/nosuchnamespace", Json("""{"public":true}"""));
        Assert.Equal(expected, get.StatusCode);
        Assert.Equal(expected, patch.StatusCode);
    }

    [Theory]
    [InlineData("""{"ipfs":"sometimes"}""", "ipfs", 422)]
    [InlineData("""{"ipfs":3}""", "ipfs", 400)]
    [InlineData("""{"quotaBytes":-1}""", "quotaBytes", 422)]
    [InlineData("""{"quotaBytes":"lots"}""", "quotaBytes", 400)]
    [InlineData("""{"quotaBytes":1.5}""", "quotaBytes", 400)]
    [InlineData("""{"public":"yes"}""", "public", 400)]
    [InlineData("""{"owner":"me"}""", "owner", 400)]
    [InlineData("""[1]""", "body", 400)]
    public async Task A_bad_setting_is_refused_naming_its_field(string patch, string field, int status)
    {
        var w = await WorldAsync();
        using var admin = auth.Admin();
        using var response = await admin.PatchAsync($"/api/v1/namespaces/{w.Ns}", Json(patch));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{patch}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);

        // Creating with it is refused the same way.
        if (field is "body" or "owner")
            return;
        using var create = await admin.PostAsync("/api/v1/namespaces", Json(patch.Replace("{", $$"""{"name":"bad{{Guid.NewGuid():N}}",""")));
        Assert.Equal(status, (int)create.StatusCode);
    }

    [Fact]
    public async Task Settings_are_stored_on_create_shown_in_the_list_and_changed_by_a_partial_update()
    {
        var ns = $"cfg{Guid.NewGuid():N}"[..16];
        using var admin = auth.Admin();
        using var created = await admin.PostAsync("/api/v1/namespaces", Json($$"""{"name":"{{ns}}","public":true,"ipfs":"off","quotaBytes":5000}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var listed = (await admin.GetFromJsonAsync<JsonElement[]>("/api/v1/namespaces"))!.Single(n => n.GetProperty("name").GetString() == ns);
        Assert.True(listed.GetProperty("public").GetBoolean());
        Assert.Equal("off", listed.GetProperty("ipfs").GetString());
        Assert.Equal(5000, listed.GetProperty("quotaBytes").GetInt64());

        // Only what the update names changes; null puts a setting back to its default.
        using var patched = await admin.PatchAsync($"/api/v1/namespaces/{ns}", Json("""{"public":false,"ipfs":null}"""));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var now = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/namespaces/{ns}");
        Assert.False(now.GetProperty("public").GetBoolean());
        Assert.Equal(JsonValueKind.Null, now.GetProperty("ipfs").ValueKind);
        Assert.Equal("encrypted", now.GetProperty("ipfsEffective").GetString());
        Assert.Equal(5000, now.GetProperty("quotaBytes").GetInt64());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
