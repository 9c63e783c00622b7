using System.Net;
using System.Net.Http.Json;

namespace Platform.IntegrationTests.Auth;

/// <summary>The gateway's identity API as an admin calls it (any stack with auth on): accounts, namespaces, members.</summary>
public static class IdentityApi
{
    public static async Task CreateUserAsync(HttpClient admin, string name, string password)
    {
        using var r = await admin.PostAsJsonAsync("/api/v1/users", new { name, password });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
    }

    public static async Task CreateNamespaceAsync(HttpClient admin, string name, bool isPublic = false)
    {
        using var r = await admin.PostAsJsonAsync("/api/v1/namespaces", new { name, @public = isPublic });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
    }

    public static async Task AddMemberAsync(HttpClient admin, string ns, string account, string role)
    {
        using var r = await admin.PutAsJsonAsync($"/api/v1/namespaces/{ns}/members/{account}", new { role });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }
}
