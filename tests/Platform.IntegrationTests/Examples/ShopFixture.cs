using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Candid;
using Platform.IntegrationTests.Auth;
using Platform.IntegrationTests.Infrastructure;
using Shop.Client;

namespace Platform.IntegrationTests.Examples;

/// <summary>
/// What the shop walkthrough (examples/shop/README.md) needs: the platform with authentication on and Deploy releasing
/// onto a real engine process, the example's price service on a port of its own, and the walkthrough's people: dana
/// (a maintainer of the namespace shop, who pushes and applies), alice, bob and carol (prod's approvers, readers).
/// </summary>
public sealed class ShopFixture : IAsyncLifetime
{
    public const string Password = "shop-walkthrough-password";
    private WebApplicationFactory<Shop.Prices.PriceService>? _prices;

    public static string ExampleRoot => Path.Combine(RepositoryRoot.Path, "examples", "shop");
    public EngineProcess Engine { get; private set; } = null!;
    public PlatformStack Stack { get; private set; } = null!;
    public int PricesPort { get; } = ThrowawayPostgres.FreePort();
    public string PricesUrl => $"http://127.0.0.1:{PricesPort}";
    public string GatewayUrl => $"http://{Stack.RegistryHost}";

    public async Task InitializeAsync()
    {
        Engine = await EngineProcess.StartAsync();
        Stack = await PlatformStack.StartAsync(auth: true, engineUrl: Engine.Url);
        _prices = InProcessService.Start<Shop.Prices.PriceService>(PricesPort, _ => { });
        using var admin = As("admin", PlatformStack.AdminPassword);
        await IdentityApi.CreateNamespaceAsync(admin, "shop");
        await IdentityApi.CreateUserAsync(admin, "dana", Password);
        await IdentityApi.AddMemberAsync(admin, "shop", "dana", "maintainer");
        foreach (var approver in new[] { "alice", "bob", "carol" })
        {
            await IdentityApi.CreateUserAsync(admin, approver, Password);
            await IdentityApi.AddMemberAsync(admin, "shop", approver, "reader");
        }
    }

    /// <summary>A client of the gateway signed in as <paramref name="user"/> (HTTP Basic).</summary>
    public HttpClient As(string user, string password = Password)
    {
        var http = new HttpClient { BaseAddress = new Uri(GatewayUrl), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }

    /// <summary>An environment file of the example, pointed at this run's price service.</summary>
    public string EnvironmentFile(string name) =>
        File.ReadAllText(Path.Combine(ExampleRoot, "environments", name + ".yaml")).Replace("http://127.0.0.1:5300", PricesUrl);

    /// <summary>PUT of the file through the gateway as <paramref name="user"/>.</summary>
    public async Task<HttpResponseMessage> PutAsync(string user, string env, string file)
    {
        using var http = As(user);
        using var content = new StringContent(file, Encoding.UTF8, "application/yaml");
        return await http.PutAsync($"/api/v1/environments/{env}", content);
    }

    /// <summary>PUT of the file through the gateway as <paramref name="user"/>: the release's location.</summary>
    public async Task<string> ApplyAsync(string user, string env, string file)
    {
        using var response = await PutAsync(user, env, file);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"apply {env}: {(int)response.StatusCode} {body}");
        return response.Headers.Location!.ToString();
    }

    /// <summary>Polls the release (as dana) until its status is one of <paramref name="statuses"/>; its JSON.</summary>
    public async Task<JsonElement> AwaitReleaseAsync(string location, params string[] statuses)
    {
        using var http = As("dana");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var release = await http.GetFromJsonAsync<JsonElement>(location);
            var status = release.GetProperty("status").GetString();
            if (statuses.Contains(status)) return release;
            if (status is "succeeded" or "failed" or "rolled-back" or "cancelled" || DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"release {location} is {status}, not {string.Join(" or ", statuses)}: {release}");
            await Task.Delay(200);
        }
    }

    /// <summary>A service of an environment as the discovery API answers it, read through the gateway as dana.</summary>
    public async Task<JsonElement> ServiceAsync(string env, string name)
    {
        using var http = As("dana");
        return await http.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{env}/services/{name}");
    }

    /// <summary>The service's canister as the example's client finds it (discovery and Candid through the gateway, as dana).</summary>
    public async Task<ShopCanister> CanisterAsync(string env, string service)
    {
        var connection = Stack.DeployServices.GetRequiredService<Platform.Deploy.Engine.EngineConnection>();
        using var http = As("dana");
        return await new ShopDirectory(http, await connection.InstanceAsync(CancellationToken.None)).FindAsync(env, service);
    }

    /// <summary>
    /// <c>shop ENV SERVICE METHOD ARGS</c>: the example's client binary as the README runs it, signed in as dana, on the
    /// engine instance Deploy releases onto.
    /// </summary>
    public async Task<Tool.Result> RunClientAsync(params string[] arguments)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(ExampleRoot, "client", "bin", configuration, "net10.0", "shop.dll");
        var instance = await Stack.DeployServices.GetRequiredService<Platform.Deploy.Engine.EngineConnection>().InstanceAsync(CancellationToken.None);
        return await Tool.RunAsync("dotnet", [dll, .. arguments], TimeSpan.FromMinutes(2), new Dictionary<string, string>
        {
            ["PLATFORM_SERVER"] = GatewayUrl,
            ["PLATFORM_USER"] = "dana",
            ["PLATFORM_PASSWORD"] = Password,
            ["PLATFORM_ENGINE_URL"] = Engine.Url,
            ["PLATFORM_ENGINE_INSTANCE"] = instance.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        if (_prices is not null) await _prices.DisposeAsync();
        if (Stack is not null) await Stack.DisposeAsync();
        if (Engine is not null) await Engine.DisposeAsync();
    }
}

/// <summary>The shop's answers of type <c>variant { ok; err : text }</c>.</summary>
public static class ShopAnswers
{
    /// <summary>The <c>ok</c> of the answer, failing with the <c>err</c>'s text.</summary>
    public static async Task<CandidValue> OkAsync(this ShopCanister canister, string method, string args = "()")
    {
        var answer = (await canister.CallAsync(method, args)).AsVariant();
        Assert.True(answer.Is("ok"), $"{method}{args}: {answer}");
        return answer.Value;
    }

    /// <summary>The <c>err</c> text of the answer, failing when it is <c>ok</c>.</summary>
    public static async Task<string> ErrAsync(this ShopCanister canister, string method, string args = "()")
    {
        var answer = (await canister.CallAsync(method, args)).AsVariant();
        Assert.True(answer.Is("err"), $"{method}{args} should have failed: {answer}");
        return answer.Value.AsText();
    }
}
