using System.Net;
using Platform.IntegrationTests.Auth;

namespace Platform.IntegrationTests.Scaler;

/// <summary>
/// The gateway's rule for the Scaler's API: admins, and the members of the namespace a request names; a stranger is
/// refused, anonymous is asked to log in. The auth stack runs no Scaler, so an admitted request reaches a backend that
/// is not there and is answered 503 by the gateway: admitted, not refused.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class ScalerAuthorizationTests(AuthFixture auth)
{
    private const string Password = "scaler-password-1";
    private static readonly SemaphoreSlim Setup = new(1, 1);
    private static string? _namespace;

    private async Task<string> NamespaceAsync()
    {
        await Setup.WaitAsync();
        try
        {
            if (_namespace is not null)
                return _namespace;
            var ns = $"scl{Guid.NewGuid():N}"[..16];
            await auth.CreateNamespaceAsync(ns);
            await auth.CreateUserAsync($"{ns}-reader", Password);
            await auth.AddMemberAsync(ns, $"{ns}-reader", "reader");
            await auth.CreateUserAsync($"{ns}-stranger", Password);
            return _namespace = ns;
        }
        finally
        {
            Setup.Release();
        }
    }

    [Theory]
    [InlineData("reader", "decisions?namespace={ns}", HttpStatusCode.ServiceUnavailable)]
    [InlineData("reader", "state?namespace={ns}&environment=prod", HttpStatusCode.ServiceUnavailable)]
    [InlineData("reader", "decisions", HttpStatusCode.Forbidden)]
    [InlineData("reader", "decisions?namespace=someone-else", HttpStatusCode.Forbidden)]
    [InlineData("stranger", "decisions?namespace={ns}", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", "decisions?namespace={ns}", HttpStatusCode.Unauthorized)]
    [InlineData("admin", "decisions", HttpStatusCode.ServiceUnavailable)]
    [InlineData("admin", "state", HttpStatusCode.ServiceUnavailable)]
    public async Task The_scaler_api_is_for_admins_and_the_named_namespaces_members(string who, string path, HttpStatusCode expected)
    {
        var ns = await NamespaceAsync();
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = who switch
        {
            "anonymous" => null,
            "admin" => AuthFixture.Basic("admin", AuthFixture.AdminPassword),
            _ => AuthFixture.Basic($"{ns}-{who}", Password),
        };
        using var response = await http.GetAsync("/api/v1/scaler/" + path.Replace("{ns}", ns));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{who} {path}: {(int)response.StatusCode} {body}");
        if (expected is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Only_reads_are_routed()
    {
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        http.DefaultRequestHeaders.Authorization = AuthFixture.Basic("admin", AuthFixture.AdminPassword);
        using var response = await http.PostAsync("/api/v1/scaler/decisions", new StringContent("{}"));
        Assert.NotEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True((int)response.StatusCode is 404 or 405, $"{(int)response.StatusCode}");
    }
}
