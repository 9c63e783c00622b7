using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Candid;
using Platform.Deploy.Modules;
using Platform.Engine.Client;
using Platform.IntegrationTests.EngineClient;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Deploy;

/// <summary>
/// Module versions for Deploy's tests: the engine's test canisters (dev/canisters/out) "pushed" under names and
/// selectors, with a way to tamper with stored bytes. Stands in for Metadata's canister-modules API, which another
/// branch is building; the HTTP catalog is what runs in production.
/// </summary>
public sealed class TestModuleCatalog : IModuleCatalog
{
    private readonly ConcurrentDictionary<string, (ModuleVersion Version, byte[] Wasm)> _byDigest = new();
    private readonly ConcurrentDictionary<string, string> _selectors = new();

    /// <summary>Pushes <paramref name="fixture"/> (a dev/canisters/out module) as <paramref name="name"/> with these selectors.</summary>
    public ModuleVersion Push(string name, string fixture, string selector, string? candidOf = null)
    {
        string[] selectors = [selector];
        var wasm = EngineClientLifecycleTests.Module(fixture);
        var candidPath = Path.Combine(RepositoryRoot.Path, "dev", "canisters", "out", (candidOf ?? fixture) + ".did");
        var candid = File.Exists(candidPath) ? File.ReadAllText(candidPath) : null;
        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(wasm));
        // The digest stands for the manifest's: distinct per name and module.
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name + "\n" + hash)));
        var version = new ModuleVersion(name, selectors.FirstOrDefault() ?? digest, digest, hash, candid, false);
        _byDigest[digest] = (version, wasm);
        foreach (var s in selectors) _selectors[name + "@" + s] = digest;
        return version;
    }

    /// <summary>Changes the stored bytes behind a version, as a corrupted content store would.</summary>
    public void Tamper(string digest)
    {
        var (version, wasm) = _byDigest[digest];
        _byDigest[digest] = (version, EngineClientLifecycleTests.WithCustomSection(wasm, "tampered", [1]));
    }

    public void MarkCorrupted(string digest)
    {
        var (version, wasm) = _byDigest[digest];
        _byDigest[digest] = (version with { Corrupted = true }, wasm);
    }

    public Task<ModuleVersion?> ResolveAsync(string name, string selector, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        var digest = selector.StartsWith("sha256:", StringComparison.Ordinal) ? selector : _selectors.GetValueOrDefault(name + "@" + selector);
        return Task.FromResult(digest is not null && _byDigest.TryGetValue(digest, out var v) && v.Version.Name == name
            ? v.Version with { Selector = selector }
            : null);
    }

    public Task<byte[]> WasmAsync(string name, string digest, CancellationToken cancellationToken) =>
        Task.FromResult(_byDigest[digest].Wasm);
}

/// <summary>Deploy in this process (its own database, the shared RabbitMQ), releasing onto the engine run as a real process.</summary>
public sealed class DeployFixture : IAsyncLifetime
{
    private WebApplicationFactory<Platform.Deploy.DeployService>? _deploy;

    public EngineProcess Engine { get; private set; } = null!;
    public TestModuleCatalog Modules { get; } = new();
    public HttpClient Http { get; private set; } = null!;
    public IServiceProvider Services => _deploy!.Services;
    public string Database { get; private set; } = "";

    /// <summary>The principal Deploy controls its canisters as (the default of Engine:Controller).</summary>
    public static Principal Controller { get; } = Principal.SelfAuthenticating("platform-deploy"u8);

    public async Task InitializeAsync()
    {
        Engine = await EngineProcess.StartAsync();
        Database = await TestDatabase.CreateAsync("deploy");
        var port = ThrowawayPostgres.FreePort();
        _deploy = InProcessService.Start<Platform.Deploy.DeployService>(port, b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", Database);
            b.UseSetting("ConnectionStrings:RabbitMq", TestServers.RabbitMq);
            b.UseSetting("Engine:Url", Engine.Url);
            b.UseSetting("Engine:Subnets", "2");
            b.UseSetting("Deploy:ReconcileInterval", "00:00:01");
            b.ConfigureTestServices(s => s.AddSingleton<IModuleCatalog>(Modules));
        });
        Http = new HttpClient(new SocketsHttpHandler())
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            DefaultRequestVersion = new Version(2, 0),
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    /// <summary>The engine instance Deploy released onto (the one it created and remembers).</summary>
    public async Task<PocketIcInstance> InstanceAsync()
    {
        var connection = Services.GetRequiredService<Platform.Deploy.Engine.EngineConnection>();
        return await connection.InstanceAsync(CancellationToken.None);
    }

    public async Task<HttpResponseMessage> ApplyAsync(string env, string file, string query = "")
    {
        using var content = new StringContent(file, System.Text.Encoding.UTF8, "application/yaml");
        return await Http.PutAsync($"/api/v1/environments/{env}{query}", content);
    }

    /// <summary>Polls the release until it is final; its JSON.</summary>
    public async Task<JsonElement> AwaitReleaseAsync(string location)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var release = await Http.GetFromJsonAsync<JsonElement>(location);
            var status = release.GetProperty("status").GetString();
            if (status is "succeeded" or "failed" or "rolled-back" or "cancelled") return release;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"release {location} is still {status}: {release}");
            await Task.Delay(100);
        }
    }

    /// <summary>Applies and waits for the release to end; the release's JSON.</summary>
    public async Task<JsonElement> ReleaseAsync(string env, string file, string query = "")
    {
        using var response = await ApplyAsync(env, file, query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return await AwaitReleaseAsync(response.Headers.Location!.ToString());
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_deploy is not null) await _deploy.DisposeAsync();
        if (Engine is not null) await Engine.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DeployCollection : ICollectionFixture<DeployFixture>
{
    public const string Name = "deploy";
}
