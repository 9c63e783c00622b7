using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Cli;

/// <summary>
/// The whole platform with auth on (<see cref="PlatformStack"/>) releasing onto the canister engine run as a real
/// process, for the CLI's environment, release, discovery and scaler commands: modules pushed by the CLI travel
/// through the gateway, Ingest and Metadata to Deploy's real catalog. Two approvers (alice, bob) besides the admin,
/// and a namespace of their own that alice reads.
/// </summary>
public sealed class CliPlatformFixture : IAsyncLifetime
{
    public const string Namespace = "clidemo";
    public const string Alice = "alice";
    public const string Bob = "bob";
    public const string Password = "approver-secret-for-tests";

    public EngineProcess Engine { get; private set; } = null!;
    public PlatformStack Stack { get; private set; } = null!;
    public string Server => $"http://{Stack.RegistryHost}";

    public async Task InitializeAsync()
    {
        Engine = await EngineProcess.StartAsync();
        Stack = await PlatformStack.StartAsync(auth: true, deploySettings: new Dictionary<string, string>
        {
            ["Engine:Url"] = Engine.Url,
            ["Engine:Subnets"] = "2",
            ["Deploy:ReconcileInterval"] = "00:00:01",
        });
        using var admin = Stack.Admin();
        foreach (var user in new[] { Alice, Bob })
            await Expect(HttpStatusCode.Created, admin.PostAsJsonAsync("/api/v1/users", new { name = user, password = Password }));
        await Expect(HttpStatusCode.Created, admin.PostAsJsonAsync("/api/v1/namespaces", new { name = Namespace, @public = false }));
        await Expect(HttpStatusCode.OK, admin.PutAsJsonAsync($"/api/v1/namespaces/{Namespace}/members/{Alice}", new { role = "reader" }));
    }

    private static async Task Expect(HttpStatusCode status, Task<HttpResponseMessage> request)
    {
        using var response = await request;
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A CLI of its own (its own config directory) logged in as <paramref name="user"/>.</summary>
    public async Task<CliRunner> LoginAsync(string user = "admin")
    {
        var cli = new CliRunner();
        var password = user == "admin" ? PlatformStack.AdminPassword : Password;
        var login = await cli.RunWithInputAsync(password + "\n", "login", Server, "-u", user, "--password-stdin");
        Assert.True(login.ExitCode == 0, login.StdErr);
        return cli;
    }

    /// <summary>
    /// Pushes a test canister (dev/canisters/out) with `platform canister push` and waits until the canister-modules
    /// API lists it (Metadata reads pushes from the event stream, a moment later); the pushed digest.
    /// </summary>
    public static async Task<string> PushAsync(CliRunner cli, string name, string fixture, string tag, char commit)
    {
        var built = Path.Combine(RepositoryRoot.Path, "dev", "canisters", "out");
        var pushed = await cli.JsonAsync("canister", "push", Path.Combine(built, fixture + ".wasm"), "--name", name, "--branch", "main", "--tag", tag,
            "--commit", new string(commit, 40), "--candid", Path.Combine(built, fixture + ".did"));
        var digest = pushed.GetProperty("digest").GetString()!;
        await IndexedAsync(cli, name, digest);
        return digest;
    }

    /// <summary>Until `platform canister versions` lists the digest (Metadata has read the push).</summary>
    public static async Task IndexedAsync(CliRunner cli, string name, string digest)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var versions = await cli.RunAsync("canister", "versions", name, "--output", "json");
            if (versions.ExitCode == 0 && JsonDocument.Parse(versions.StdOut).RootElement.GetProperty("versions").EnumerateArray()
                    .Any(v => v.GetProperty("digest").GetString() == digest))
                return;
            Assert.True(DateTime.UtcNow < deadline, $"{name}@{digest} is not listed: {versions.ExitCode} {versions.StdErr}{versions.StdOut}");
            await Task.Delay(250);
        }
    }

    /// <summary>An environment file of the <see cref="Namespace"/>, written where the CLI runs; its path.</summary>
    public static string WriteFile(CliRunner cli, string env, string services, string extra = "")
    {
        var path = Path.Combine(cli.WorkingDirectory, $"{env}-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            apiVersion: platform/v1
            kind: Environment
            metadata: {"{"} name: {env}, namespace: {Namespace} {"}"}
            spec:
            {extra}  services:
            {services}
            """);
        return path;
    }

    public async Task DisposeAsync()
    {
        if (Stack is not null) await Stack.DisposeAsync();
        if (Engine is not null) await Engine.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class CliPlatformCollection : ICollectionFixture<CliPlatformFixture>
{
    public const string Name = "cli-platform";
}
