using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Platform.Contracts;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Scaler;

/// <summary>
/// The Scaler and the audit log in this process on a fresh database and a RabbitMQ node of their own, and a
/// MassTransit bus playing the engine (load samples) and Deploy (environments in, decisions out).
/// </summary>
public sealed class ScalerStack : IAsyncDisposable
{
    private WebApplicationFactory<Platform.Scaler.ScalerService>? _scaler;
    private WebApplicationFactory<Platform.Audit.AuditService>? _audit;
    private IBusControl? _bus;

    public ThrowawayRabbitMq Broker { get; private set; } = null!;
    public string Database { get; private set; } = "";
    public HttpClient Scaler { get; private set; } = null!;
    public HttpClient Audit { get; private set; } = null!;
    /// <summary>Every decision that reached the bus, as Deploy would receive it.</summary>
    public List<IPlatformEvent> Published { get; } = [];

    public static async Task<ScalerStack> StartAsync()
    {
        var stack = new ScalerStack();
        try
        {
            stack.Broker = await ThrowawayRabbitMq.StartAsync();
            stack.Database = await TestDatabase.CreateAsync("scaler");
            var scalerPort = ThrowawayPostgres.FreePort();
            var auditPort = ThrowawayPostgres.FreePort();
            stack._audit = InProcessService.Start<Platform.Audit.AuditService>(auditPort, b =>
            {
                b.UseSetting("ConnectionStrings:Postgres", stack.Database);
                b.UseSetting("ConnectionStrings:RabbitMq", stack.Broker.Uri);
            });
            stack._scaler = InProcessService.Start<Platform.Scaler.ScalerService>(scalerPort, b =>
            {
                b.UseSetting("ConnectionStrings:Postgres", stack.Database);
                b.UseSetting("ConnectionStrings:RabbitMq", stack.Broker.Uri);
                b.UseSetting("Scaler:Interval", "00:00:01");
                b.UseSetting("Scaler:InstructionsPerReplica", "1000000000");
                b.UseSetting("Scaler:InstructionsPerSubnet", "4000000000");
            });
            stack.Scaler = new HttpClient(new SocketsHttpHandler()) { BaseAddress = new Uri($"http://127.0.0.1:{scalerPort}"), DefaultRequestVersion = new Version(2, 0), DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            stack.Audit = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{auditPort}"), DefaultRequestVersion = new Version(2, 0), DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

            stack._bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
            {
                cfg.Host(new Uri(stack.Broker.Uri), h => { h.Username("guest"); h.Password("guest"); });
                cfg.ReceiveEndpoint("test-deploy-decisions", e =>
                {
                    e.Handler<ScaleOutDecidedV1>(c => stack.Record(c.Message));
                    e.Handler<ScaleInDecidedV1>(c => stack.Record(c.Message));
                    e.Handler<ShardSplitDecidedV1>(c => stack.Record(c.Message));
                    e.Handler<ReplicaReplacedV1>(c => stack.Record(c.Message));
                });
            });
            await stack._bus.StartAsync();
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private Task Record(IPlatformEvent e)
    {
        lock (Published)
            Published.Add(e);
        return Task.CompletedTask;
    }

    public Task PublishAsync<T>(T message) where T : class => _bus!.Publish(message);

    public static EnvironmentDeployedV1 Environment(string ns, string environment, long sequence, params DeployedService[] services) =>
        new(new EventMetadata(Guid.NewGuid(), sequence, DateTimeOffset.UtcNow, "deploy", null, null, null), ns, environment, Guid.NewGuid(), false, services);

    /// <summary>One sample of a subnet, ending now, over the last second.</summary>
    public static EngineLoadSampleV1 Sample(string subnet, string kind, params CanisterLoad[] canisters) =>
        new("platform", subnet, kind, DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow, canisters, []);

    public async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Polls until <paramref name="found"/> returns something (or 30 s pass).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> found, string what, Func<Task>? meanwhile = null) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (meanwhile is not null)
                await meanwhile();
            if (await found() is { } value)
                return value;
            await Task.Delay(500);
        }
        throw new TimeoutException($"{what} did not happen within 30 s");
    }

    public async ValueTask DisposeAsync()
    {
        Scaler?.Dispose();
        Audit?.Dispose();
        if (_bus is not null)
            try { await _bus.StopAsync(); } catch (Exception) { }
        foreach (var f in new IAsyncDisposable?[] { _scaler, _audit })
            if (f is not null)
                try { await f.DisposeAsync(); } catch (Exception) { }
        if (Broker is not null)
            await Broker.DisposeAsync();
    }
}
