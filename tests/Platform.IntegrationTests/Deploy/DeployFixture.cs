using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
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

    private readonly ConcurrentDictionary<string, HeldModule> _held = new();

    /// <summary>Holds every read of a version's bytes until released: a release that installs it stops there.</summary>
    public HeldModule Hold(string digest) => _held[digest] = new HeldModule();

    public async Task<byte[]> WasmAsync(string name, string digest, CancellationToken cancellationToken)
    {
        if (_held.TryGetValue(digest, out var held))
        {
            held.Reached.TrySetResult();
            await held.Released.Task.WaitAsync(cancellationToken);
        }
        return _byDigest[digest].Wasm;
    }
}

/// <summary>A module whose bytes are held back (<see cref="TestModuleCatalog.Hold"/>): as slow as the test wants.</summary>
public sealed class HeldModule
{
    /// <summary>Completes when a release first asks for the bytes.</summary>
    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// One Deploy in this process on a real port (its own database, the shared RabbitMQ), releasing onto an engine run as a
/// real process, with the helpers its tests share. Several may run (each on its own database), and one can be stopped
/// and started again on the same database, as a restart of Deploy.
/// </summary>
public sealed class DeployHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Platform.Deploy.DeployService> _deploy;

    private DeployHost(WebApplicationFactory<Platform.Deploy.DeployService> deploy, int port)
    {
        _deploy = deploy;
        Url = $"http://127.0.0.1:{port}";
        Http = new HttpClient(new SocketsHttpHandler())
        {
            BaseAddress = new Uri(Url),
            DefaultRequestVersion = new Version(2, 0),
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    public string Url { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => _deploy.Services;

    /// <param name="configure">More settings or services on top (after the defaults, so they win).</param>
    public static DeployHost Start(string engineUrl, string database, IModuleCatalog modules, Action<IWebHostBuilder>? configure = null)
    {
        var port = ThrowawayPostgres.FreePort();
        var deploy = InProcessService.Start<Platform.Deploy.DeployService>(port, b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", database);
            b.UseSetting("ConnectionStrings:RabbitMq", TestServers.RabbitMq);
            b.UseSetting("Engine:Url", engineUrl);
            b.UseSetting("Engine:Subnets", "2");
            b.UseSetting("Deploy:ReconcileInterval", "00:00:01");
            b.UseSetting("Deploy:ExpiryInterval", "00:00:01");
            b.ConfigureTestServices(s => s.AddSingleton(modules));
            configure?.Invoke(b);
        });
        return new DeployHost(deploy, port);
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

    /// <summary>Polls the release until <paramref name="until"/> holds (default: it is final), 90 s at most; its JSON.</summary>
    public async Task<JsonElement> AwaitReleaseAsync(string location, Func<JsonElement, bool>? until = null)
    {
        until ??= r => r.GetProperty("status").GetString() is "succeeded" or "failed" or "rolled-back" or "cancelled";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var release = await Http.GetFromJsonAsync<JsonElement>(location);
            if (until(release)) return release;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"release {location} did not get there: {release}");
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

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _deploy.DisposeAsync();
    }
}

/// <summary>One Deploy shared by the tests of the "deploy" collection, on an engine of its own.</summary>
public sealed class DeployFixture : IAsyncLifetime
{
    public EngineProcess Engine { get; private set; } = null!;
    public TestModuleCatalog Modules { get; } = new();
    public DeployHost Host { get; private set; } = null!;
    public HttpClient Http => Host.Http;
    public IServiceProvider Services => Host.Services;
    public string Database { get; private set; } = "";

    /// <summary>The principal Deploy controls its canisters as (the default of Engine:Controller).</summary>
    public static Principal Controller { get; } = Principal.SelfAuthenticating("platform-deploy"u8);

    public async Task InitializeAsync()
    {
        Engine = await EngineProcess.StartAsync();
        Database = await TestDatabase.CreateAsync("deploy");
        Host = DeployHost.Start(Engine.Url, Database, Modules);
    }

    public Task<PocketIcInstance> InstanceAsync() => Host.InstanceAsync();
    public Task<HttpResponseMessage> ApplyAsync(string env, string file, string query = "") => Host.ApplyAsync(env, file, query);
    public Task<JsonElement> AwaitReleaseAsync(string location) => Host.AwaitReleaseAsync(location);
    public Task<JsonElement> ReleaseAsync(string env, string file, string query = "") => Host.ReleaseAsync(env, file, query);

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Engine is not null) await Engine.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DeployCollection : ICollectionFixture<DeployFixture>
{
    public const string Name = "deploy";
}
