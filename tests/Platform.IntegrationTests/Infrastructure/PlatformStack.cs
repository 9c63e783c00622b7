using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Deploy.Modules;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// The platform wired end to end for event-driven tests: Gateway, Ingest (with the relay), Metadata and Audit in
/// this process on real ports, Pinning as a real process (so it can be killed), a fresh database, its own
/// RabbitMQ node (so no other test's events reach its consumers, and it can be stopped), and an IPFS node.
/// </summary>
public sealed class PlatformStack : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private WebApplicationFactory<Platform.Ingest.IngestService>? _ingest;
    private WebApplicationFactory<Platform.Metadata.MetadataService>? _metadata;
    private WebApplicationFactory<Platform.Audit.AuditService>? _audit;
    private WebApplicationFactory<Platform.Gateway.GatewayService>? _gateway;
    private WebApplicationFactory<Platform.Deploy.DeployService>? _deploy;
    private WebApplicationFactory<Platform.Scaler.ScalerService>? _scaler;

    public string Database { get; private set; } = "";
    public ThrowawayRabbitMq Broker { get; private set; } = null!;
    public string IpfsUrl { get; private set; } = "";
    public string StorageRoot { get; } = Path.Combine(Path.GetTempPath(), $"platform-store-{Guid.NewGuid():N}");
    public int IngestPort { get; } = ThrowawayPostgres.FreePort();
    public int MetadataPort { get; } = ThrowawayPostgres.FreePort();
    public int AuditPort { get; } = ThrowawayPostgres.FreePort();
    public int GatewayPort { get; } = ThrowawayPostgres.FreePort();
    public int PinningPort { get; } = ThrowawayPostgres.FreePort();
    public int DeployPort { get; } = ThrowawayPostgres.FreePort();
    public int ScalerPort { get; } = ThrowawayPostgres.FreePort();
    /// <summary>Pinning's master key (base64): the same across a restart of Pinning, as a deployment's would be.</summary>
    public string PinningMasterKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    public ServiceProcess Pinning { get; private set; } = null!;
    public HttpClient Gateway { get; private set; } = null!;
    public string RegistryHost => $"127.0.0.1:{GatewayPort}";
    public IServiceProvider IngestServices => _ingest!.Services;
    public IServiceProvider GatewayServices => _gateway!.Services;
    /// <summary>The engine Deploy releases onto (publishing its load samples on the stack's broker), when one was asked for.</summary>
    public EngineProcess? Engine { get; private set; }
    public IServiceProvider DeployServices => _deploy!.Services;

    private IReadOnlyDictionary<string, string> _ingestSettings = new Dictionary<string, string>();
    private IReadOnlyDictionary<string, string> _deploySettings = new Dictionary<string, string>();
    private bool _auth;
    private IModuleCatalog? _modules;
    private string? _engineUrl;

    /// <summary>The admin's password when the stack was started with auth on.</summary>
    public const string AdminPassword = "admin-secret-for-tests";
    private const string InternalKey = "internal-key-for-tests-0123456789";
    public string KeyDirectory { get; } = Path.Combine(Path.GetTempPath(), $"platform-keys-{Guid.NewGuid():N}");

    /// <param name="ingestSettings">Extra configuration for Ingest (e.g. garbage collection's periods).</param>
    /// <param name="auth">Whether the gateway authenticates (accounts in the stack's database, admin/<see cref="AdminPassword"/>).</param>
    /// <param name="modules">
    /// With a module catalog, the stack runs the engine (<see cref="Engine"/>, load samples every second on the stack's
    /// broker, so the Scaler sees them) and Deploy releases onto it, taking its module versions from this catalog.
    /// </param>
    /// <param name="engineUrl">
    /// Without a catalog: a canister engine for Deploy to release onto (it creates an instance of 2 subnets there),
    /// with modules from the stack's own Metadata and Ingest.
    /// </param>
    /// <param name="deploySettings">Extra configuration for Deploy, applied last (e.g. Deploy:ReconcileInterval).</param>
    public static async Task<PlatformStack> StartAsync(string? ipfsUrl = null, IReadOnlyDictionary<string, string>? ingestSettings = null,
        bool auth = false, IModuleCatalog? modules = null, string? engineUrl = null, IReadOnlyDictionary<string, string>? deploySettings = null)
    {
        var stack = new PlatformStack
        {
            _ingestSettings = ingestSettings ?? new Dictionary<string, string>(), _auth = auth, _modules = modules, _engineUrl = engineUrl,
            _deploySettings = deploySettings ?? new Dictionary<string, string>(),
        };
        try
        {
            await stack.InitializeAsync(ipfsUrl ?? TestServers.Ipfs);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(string ipfsUrl)
    {
        IpfsUrl = ipfsUrl;
        Database = await TestDatabase.CreateAsync("platform");
        Directory.CreateDirectory(StorageRoot);
        Broker = await ThrowawayRabbitMq.StartAsync();
        _owned.Add(Broker);

        _ingest = Backend<Platform.Ingest.IngestService>(IngestPort, _ingestSettings);
        _metadata = Backend<Platform.Metadata.MetadataService>(MetadataPort);
        // Webhook retries a second apart, so a receiver that comes up late is reached within a test's patience.
        _audit = Backend<Platform.Audit.AuditService>(AuditPort, new Dictionary<string, string>
        {
            ["Webhooks:InitialBackoff"] = "00:00:01",
            ["Webhooks:MaxBackoff"] = "00:00:02",
            ["Webhooks:PollInterval"] = "00:00:00.200",
        });
        // Deploy and the Scaler are routed by the gateway (their API descriptions are part of its document); their
        // own tests run them against an engine, most of these only need them up.
        if (_modules is not null)
        {
            // As `make up` runs it: the persistent instance "platform" (id 0), whose samples the Scaler reads.
            Engine = await EngineProcess.StartAsync(new Dictionary<string, string>
            {
                ["ConnectionStrings:RabbitMq"] = Broker.Uri,
                ["Engine:LoadSampleInterval"] = "00:00:01",
                ["Engine:DataDirectory"] = Path.Combine(StorageRoot, "engine"),
                ["Engine:PersistentSubnets"] = "2",
            });
            _owned.Add(Engine);
        }
        var deploySettings = new Dictionary<string, string>
        {
            ["Deploy:ModulesUrl"] = $"http://127.0.0.1:{MetadataPort}",
            ["Deploy:ModuleBytesUrl"] = $"http://127.0.0.1:{IngestPort}",
            ["Deploy:ReconcileInterval"] = Engine is null ? "00:00:00" : "00:00:02",
            // Without an engine given, Deploy's points nowhere (it reaches the engine lazily).
            ["Engine:Url"] = Engine?.Url ?? _engineUrl ?? $"http://127.0.0.1:{ThrowawayPostgres.FreePort()}",
        };
        if (Engine is not null)
            deploySettings["Engine:InstanceId"] = "0";
        else
            deploySettings["Engine:Subnets"] = "2";
        foreach (var (key, value) in _deploySettings)
            deploySettings[key] = value;
        _deploy = Backend<Platform.Deploy.DeployService>(DeployPort, deploySettings, _modules is null ? null : b => b.ConfigureTestServices(s => s.AddSingleton(_modules)));
        // The engine's test canisters are tiny: with an engine, capacities scaled down to them, so the load they make
        // is a share of a replica and of a subnet the Scaler can act on.
        _scaler = Backend<Platform.Scaler.ScalerService>(ScalerPort, Engine is null ? null : new Dictionary<string, string>
        {
            ["Scaler:InstructionsPerReplica"] = "20000",
            ["Scaler:InstructionsPerSubnet"] = "1000000",
        });
        Pinning = new ServiceProcess("Pinning", PinningPort, new Dictionary<string, string>
        {
            ["Pinning:MasterKey"] = PinningMasterKey,
            ["ConnectionStrings:Postgres"] = Database,
            ["ConnectionStrings:RabbitMq"] = Broker.Uri,
            ["Ipfs:ApiUrl"] = IpfsUrl,
            ["Services:Ingest"] = $"http://127.0.0.1:{IngestPort}",
            ["Pinning:ReconcileInterval"] = "00:00:03",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:MassTransit"] = "Error",
        });
        await Pinning.StartAsync();
        _owned.Add(Pinning);

        _gateway = InProcessService.Start<Platform.Gateway.GatewayService>(GatewayPort, b =>
        {
            // Most of these tests are about the registry, not about auth (that is Auth/AuthFixture): everything anonymous.
            b.UseSetting("Auth:Enabled", _auth ? "true" : "false");
            if (_auth)
            {
                b.UseSetting("Auth:AdminPassword", AdminPassword);
                b.UseSetting("Auth:KeyDirectory", KeyDirectory);
                // The gateway names the caller to the services, which record it in every event.
                b.UseSetting("Auth:InternalKey", InternalKey);
                b.UseSetting("ConnectionStrings:Postgres", Database);
                b.UseSetting("ConnectionStrings:RabbitMq", Broker.Uri);
            }
            GatewayBackends.Point(b, new Dictionary<string, string>
            {
                ["ingest"] = $"http://127.0.0.1:{IngestPort}",
                ["metadata"] = $"http://127.0.0.1:{MetadataPort}",
                ["audit"] = $"http://127.0.0.1:{AuditPort}",
                ["deploy"] = $"http://127.0.0.1:{DeployPort}",
                ["scaler"] = $"http://127.0.0.1:{ScalerPort}",
            });
        });
        Gateway = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GatewayPort}"), Timeout = TimeSpan.FromMinutes(5) };
    }

    /// <summary>A client of the gateway as the admin (HTTP Basic), for a stack started with auth on.</summary>
    public HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{RegistryHost}"), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"admin:{AdminPassword}")));
        return http;
    }

    private WebApplicationFactory<T> Backend<T>(int port, IReadOnlyDictionary<string, string>? settings = null,
        Action<IWebHostBuilder>? configure = null) where T : class =>
        InProcessService.Start<T>(port, b =>
        {
            configure?.Invoke(b);
            b.UseSetting("ConnectionStrings:Postgres", Database);
            b.UseSetting("ConnectionStrings:RabbitMq", Broker.Uri);
            b.UseSetting("Storage:Root", StorageRoot);
            b.UseSetting("Ipfs:ApiUrl", IpfsUrl);
            // Ingest reads encrypted IPFS copies back through Pinning (which holds the keys).
            b.UseSetting("Services:Pinning", $"http://127.0.0.1:{PinningPort}");
            if (_auth)
                b.UseSetting("Auth:InternalKey", InternalKey);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                b.UseSetting(key, value);
        });

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        foreach (var f in new IAsyncDisposable?[] { _gateway, _deploy, _scaler, _ingest, _metadata, _audit })
            if (f is not null)
                try { await f.DisposeAsync(); } catch (Exception) { /* a host stopped under a dead broker may complain */ }
        for (var i = _owned.Count - 1; i >= 0; i--)
            try { await _owned[i].DisposeAsync(); } catch (Exception) { }
        try { Directory.Delete(StorageRoot, recursive: true); } catch (IOException) { }
        try { Directory.Delete(KeyDirectory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One platform stack shared by the tests of the "platform" collection.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public PlatformStack Stack { get; private set; } = null!;
    public async Task InitializeAsync() => Stack = await PlatformStack.StartAsync();
    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
