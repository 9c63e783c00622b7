using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.IntegrationTests.Distribution;

namespace Platform.IntegrationTests.Auth.Authorization;

/// <summary>
/// One private and one public namespace with an image each, and the callers the authorization tests ask as: a
/// member of the private namespace, an outsider, a robot member, a personal access token of the member, the
/// admin and nobody. Built once per fixture: the registry it is built on is shared by the auth tests.
/// </summary>
public sealed class ApiWorld
{
    public const string Password = "password-1";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static ApiWorld? _built;

    public required string Private { get; init; }
    public required string Public { get; init; }
    public required string PrivateRepo { get; init; }
    public required string PublicRepo { get; init; }
    public required string PrivateBlob { get; init; }
    public required string PublicBlob { get; init; }
    public required string Member { get; init; }
    public required string Outsider { get; init; }
    public required string Robot { get; init; }
    public required string RobotSecret { get; init; }
    public required string MemberPat { get; init; }

    public static async Task<ApiWorld> GetAsync(AuthFixture auth)
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

    private static async Task<ApiWorld> BuildAsync(AuthFixture auth)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        string priv = $"secret{id}", pub = $"open{id}", member = $"member{id}", outsider = $"outsider{id}";
        await auth.CreateNamespaceAsync(priv);
        await auth.CreateNamespaceAsync(pub, isPublic: true);
        await auth.CreateUserAsync(member, Password);
        await auth.CreateUserAsync(outsider, Password);
        await auth.AddMemberAsync(priv, member, "reader");

        using var admin = auth.Admin();
        using var created = await admin.PostAsJsonAsync("/api/v1/robots", new { name = "ci" + id });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var robot = await created.Content.ReadFromJsonAsync<JsonElement>();
        var robotName = robot.GetProperty("name").GetString()!;
        await auth.AddMemberAsync(priv, robotName, "reader");

        using var me = new HttpClient { BaseAddress = auth.GatewayUrl };
        me.DefaultRequestHeaders.Authorization = AuthFixture.Basic(member, Password);
        using var pat = await me.PostAsJsonAsync("/api/v1/tokens", new { name = "laptop" });
        Assert.Equal(HttpStatusCode.Created, pat.StatusCode);

        string privRepo = $"{priv}/app", pubRepo = $"{pub}/app";
        using var pusher = auth.WithToken(await auth.TokenAsync("admin", AuthFixture.AdminPassword,
            $"repository:{privRepo}:pull,push", $"repository:{pubRepo}:pull,push"));
        var client = new RegistryClient(pusher);
        await client.PushImageAsync(privRepo, "v1", seed: 61);
        await client.PushImageAsync(pubRepo, "v1", seed: 62);
        return new ApiWorld
        {
            Private = priv, Public = pub, PrivateRepo = privRepo, PublicRepo = pubRepo,
            PrivateBlob = await client.PushBlobAsync(privRepo, Encoding.UTF8.GetBytes("private blob " + id)),
            PublicBlob = await client.PushBlobAsync(pubRepo, Encoding.UTF8.GetBytes("public blob " + id)),
            Member = member, Outsider = outsider, Robot = robotName, RobotSecret = robot.GetProperty("secret").GetString()!,
            MemberPat = (await pat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!,
        };
    }

    /// <summary>The Authorization header a caller of that kind sends (null: nobody, no header).</summary>
    public AuthenticationHeaderValue? Credentials(string who) => who switch
    {
        "member" => AuthFixture.Basic(Member, Password),
        "outsider" => AuthFixture.Basic(Outsider, Password),
        "robot" => AuthFixture.Basic(Robot, RobotSecret),
        "pat" => AuthFixture.Basic(Member, MemberPat),
        "admin" => AuthFixture.Basic("admin", AuthFixture.AdminPassword),
        "anonymous" => null,
        _ => throw new ArgumentOutOfRangeException(nameof(who), who, null),
    };

    public string Path(string route) => route switch
    {
        "private" => $"/api/v1/repositories/{PrivateRepo}",
        "public" => $"/api/v1/repositories/{PublicRepo}",
        "private-blob" => $"/api/v1/repositories/{PrivateRepo}/blobs/{PrivateBlob}",
        "public-blob" => $"/api/v1/repositories/{PublicRepo}/blobs/{PublicBlob}",
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, null),
    };
}
