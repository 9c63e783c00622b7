using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Candid;
using Platform.Contracts;
using Platform.Deploy.Modules;
using Platform.Engine.Client;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Deploy.Scaling;

/// <summary>
/// Scaling end to end on real parts: the engine as a real process with three application subnets publishing load
/// samples every second on a RabbitMQ node of the stack's own, Deploy and the audit log in this process on a fresh
/// database, the Scaler when a test starts it (<see cref="StartScalerAsync"/>), and a bus playing the rest of the
/// platform: it publishes decisions as the Scaler would and records what Deploy reports and the engine samples.
/// </summary>
public sealed class ScalingStack : IAsyncLifetime
{
    private WebApplicationFactory<Platform.Deploy.DeployService>? _deploy;
    private WebApplicationFactory<Platform.Audit.AuditService>? _audit;
    private WebApplicationFactory<Platform.Scaler.ScalerService>? _scaler;
    private IBusControl? _bus;
    private readonly List<EnvironmentDeployedV1> _deployed = [];
    private readonly Dictionary<string, CanisterLoad> _latestLoad = new(StringComparer.Ordinal);

    public ThrowawayRabbitMq Broker { get; private set; } = null!;
    public EngineProcess Engine { get; private set; } = null!;
    public string Database { get; private set; } = "";
    public TestModuleCatalog Modules { get; } = new();
    public HttpClient Deploy { get; private set; } = null!;
    public HttpClient Audit { get; private set; } = null!;
    public HttpClient Scaler { get; private set; } = null!;
    public PocketIcInstance Instance { get; private set; } = null!;
    /// <summary>The engine's application subnets, in topology order.</summary>
    public IReadOnlyList<string> Subnets { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Broker = await ThrowawayRabbitMq.StartAsync();
        Database = await TestDatabase.CreateAsync("scaling");
        Engine = await EngineProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:RabbitMq"] = Broker.Uri,
            ["Engine:LoadSampleInterval"] = "00:00:01",
        });
        var auditPort = ThrowawayPostgres.FreePort();
        _audit = InProcessService.Start<Platform.Audit.AuditService>(auditPort, b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", Database);
            b.UseSetting("ConnectionStrings:RabbitMq", Broker.Uri);
        });
        Audit = Client(auditPort);
        var deployPort = ThrowawayPostgres.FreePort();
        _deploy = InProcessService.Start<Platform.Deploy.DeployService>(deployPort, b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", Database);
            b.UseSetting("ConnectionStrings:RabbitMq", Broker.Uri);
            b.UseSetting("Engine:Url", Engine.Url);
            b.UseSetting("Engine:Subnets", "3");
            b.UseSetting("Deploy:ReconcileInterval", "00:00:00");
            b.ConfigureTestServices(s => s.AddSingleton<IModuleCatalog>(Modules));
        });
        Deploy = Client(deployPort);
        Instance = await _deploy.Services.GetRequiredService<Platform.Deploy.Engine.EngineConnection>().InstanceAsync(CancellationToken.None);
        Subnets = [.. (await Instance.GetTopologyAsync()).ApplicationSubnets.Select(s => s.Id.ToString())];

        _bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(Broker.Uri), h => { h.Username("guest"); h.Password("guest"); });
            cfg.ReceiveEndpoint("test-platform-scaling", e =>
            {
                e.Handler<EnvironmentDeployedV1>(c =>
                {
                    lock (_deployed) _deployed.Add(c.Message);
                    return Task.CompletedTask;
                });
                e.Handler<EngineLoadSampleV1>(c =>
                {
                    if (c.Message.InstanceId == Instance.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
                        lock (_latestLoad)
                            foreach (var canister in c.Message.Canisters) _latestLoad[canister.CanisterId] = canister;
                    return Task.CompletedTask;
                });
            });
        });
        await _bus.StartAsync();
    }

    public bool IsScalerStarted => _scaler is not null;

    /// <summary>The Scaler, reading this stack's engine instance, with these settings (section "Scaler").</summary>
    public Task StartScalerAsync(IReadOnlyDictionary<string, string> settings)
    {
        var port = ThrowawayPostgres.FreePort();
        _scaler = InProcessService.Start<Platform.Scaler.ScalerService>(port, b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", Database);
            b.UseSetting("ConnectionStrings:RabbitMq", Broker.Uri);
            b.UseSetting("Scaler:EngineInstance", Instance.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // Deploy's API, to catch up on the environments deployed before the Scaler started.
            b.UseSetting("Services:Deploy", Deploy.BaseAddress!.ToString());
            foreach (var (key, value) in settings)
                b.UseSetting("Scaler:" + key, value);
        });
        Scaler = Client(port);
        return Task.CompletedTask;
    }

    private static HttpClient Client(int port) => new(new SocketsHttpHandler())
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        DefaultRequestVersion = new Version(2, 0),
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromMinutes(2),
    };

    public Task PublishAsync<T>(T message) where T : class => _bus!.Publish(message);

    /// <summary>What Deploy reported of an environment so far, oldest first.</summary>
    public IReadOnlyList<EnvironmentDeployedV1> Deployed(string environment)
    {
        lock (_deployed) return [.. _deployed.Where(d => d.Environment == environment)];
    }

    /// <summary>The canister's load in the engine's newest sample of it.</summary>
    public CanisterLoad? LatestLoad(string canisterId)
    {
        lock (_latestLoad) return _latestLoad.GetValueOrDefault(canisterId);
    }

    public async Task<JsonElement> ReleaseAsync(string env, string file)
    {
        using var content = new StringContent(file, System.Text.Encoding.UTF8, "application/yaml");
        using var response = await Deploy.PutAsync($"/api/v1/environments/{env}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return await AwaitReleaseAsync(response.Headers.Location!.ToString());
    }

    /// <summary>Polls a release until it is final (90 s at most); its JSON.</summary>
    public async Task<JsonElement> AwaitReleaseAsync(string location)
    {
        JsonElement release = default;
        await Eventually.Async(async () =>
        {
            using var response = await Deploy.GetAsync(location);
            if (!response.IsSuccessStatusCode) return false;
            release = await response.Content.ReadFromJsonAsync<JsonElement>();
            return release.GetProperty("status").GetString() is "succeeded" or "failed" or "rolled-back" or "cancelled";
        }, $"release {location} ends", TimeSpan.FromSeconds(90));
        return release;
    }

    /// <summary>The service as the discovery API lists it.</summary>
    public async Task<JsonElement> DiscoverAsync(string env, string service) =>
        await Deploy.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{env}/services/{service}");

    public static IReadOnlyList<(string CanisterId, string SubnetId)> InstancesOf(JsonElement service) =>
        [.. service.GetProperty("instances").EnumerateArray().Select(i => (i.GetProperty("canisterId").GetString()!, i.GetProperty("subnetId").GetString()!))];

    /// <summary>An update or query call answering a nat.</summary>
    public async Task<System.Numerics.BigInteger> CallNatAsync(string canisterId, string method, byte[] arg, bool query = false) =>
        CandidBinary.Decode(await CallAsync(canisterId, method, arg, query), CandidType.Nat).AsNat();

    /// <summary>An update or query call; its reply (a reject throws).</summary>
    public async Task<byte[]> CallAsync(string canisterId, string method, byte[] arg, bool query = false)
    {
        var call = new CanisterCall(Principal.Anonymous, Principal.FromText(canisterId), method, arg);
        var outcome = query ? await Instance.QueryCallAsync(call) : await Instance.UpdateCallAsync(call);
        return outcome.ReplyOrThrow(method);
    }

    /// <summary>Whether the engine still has the canister (its controller can read its status).</summary>
    public async Task<bool> ExistsAsync(string canisterId)
    {
        try
        {
            await Instance.Management.CanisterStatusAsync(DeployFixture.Controller, Principal.FromText(canisterId));
            return true;
        }
        catch (CanisterRejectedException)
        {
            return false;
        }
    }

    public async Task DisposeAsync()
    {
        Deploy?.Dispose();
        Audit?.Dispose();
        Scaler?.Dispose();
        if (_bus is not null)
            try { await _bus.StopAsync(); } catch (Exception) { }
        foreach (var f in new IAsyncDisposable?[] { _scaler, _deploy, _audit })
            if (f is not null)
                try { await f.DisposeAsync(); } catch (Exception) { }
        if (Engine is not null) await Engine.DisposeAsync();
        if (Broker is not null) await Broker.DisposeAsync();
    }
}

/// <summary>Polling with a deadline instead of fixed sleeps (the CI machine is a loaded 2-core one).</summary>
public static class Eventually
{
    public static async Task Async(Func<Task<bool>> condition, string what, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not within {within.TotalSeconds:0} s");
            await Task.Delay(250);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ScalingCollection
{
    /// <summary>The scaling tests run one class at a time: each starts an engine of its own.</summary>
    public const string Name = "scaling";
}
