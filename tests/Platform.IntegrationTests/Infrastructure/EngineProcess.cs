using Platform.Engine.Client;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// The canister engine (services/Engine) built with the tests and run as a real process on a spare loopback port,
/// ready once <c>GET /instances</c> answers, as a PocketIC client would see it. Each test creates the instances it
/// needs through <see cref="Client"/>; <see cref="KillAsync"/> and <see cref="StartAsync"/> crash and restart it.
/// </summary>
public sealed class EngineProcess : IAsyncDisposable
{
    private readonly ServiceProcess _process;
    private readonly HttpClient _http;

    /// <param name="settings">Engine configuration (e.g. <c>Engine:ModuleCacheDirectory</c>), as <c>Section:Key</c>.</param>
    public EngineProcess(IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            all[key] = value;
        _process = new ServiceProcess("Engine", ThrowawayPostgres.FreePort(), all, readinessPath: "/instances", http2: false);
        _http = new HttpClient { BaseAddress = new Uri(Url + "/"), Timeout = TimeSpan.FromMinutes(2) };
        Client = new PocketIcClient(_http);
    }

    public string Url => _process.Url;
    public int Port => _process.Port;
    public PocketIcClient Client { get; }
    public string Output => _process.Output;

    public static async Task<EngineProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var engine = new EngineProcess(settings);
        try
        {
            await engine.RestartAsync();
            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the process (again, after <see cref="KillAsync"/>) on the same port.</summary>
    public Task RestartAsync() => _process.StartAsync();

    /// <summary>SIGKILL, as a crash.</summary>
    public Task KillAsync() => _process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _http.Dispose();
    }
}

/// <summary>One engine process shared by the tests of the "engine" collection.</summary>
public sealed class EngineFixture : IAsyncLifetime
{
    public EngineProcess Engine { get; private set; } = null!;
    public async Task InitializeAsync() => Engine = await EngineProcess.StartAsync();
    public async Task DisposeAsync() => await Engine.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<EngineFixture>
{
    public const string Name = "engine";
}
