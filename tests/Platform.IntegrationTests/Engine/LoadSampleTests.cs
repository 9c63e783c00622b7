using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Platform.Engine;
using Platform.Engine.Instances;
using Platform.EngineTests;
using Platform.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using static Platform.EngineTests.EngineHarness;

namespace Platform.IntegrationTests.Engine;

/// <summary>The engine publishes one EngineLoadSampleV1 per subnet on the real broker, and the numbers follow the load.</summary>
public sealed class LoadSampleTests
{
    private const string Exchange = "Platform.Contracts:EngineLoadSampleV1";

    [Fact]
    public async Task Load_samples_on_rabbitmq_move_when_a_canister_is_hot_and_settle_when_it_cools()
    {
        var connectionFactory = new ConnectionFactory { Uri = new Uri(TestServers.RabbitMq) };
        await using var connection = await connectionFactory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, Exchange, "");

        await using var service = InProcessService.Start<EngineService>(ThrowawayPostgres.FreePort(), b => b
            .UseSetting("ConnectionStrings:RabbitMq", TestServers.RabbitMq)
            .UseSetting("Engine:LoadSampleInterval", "00:00:00.300"));
        using var engine = new EngineHarness(service.Services.GetRequiredService<InstanceRegistry>(), applicationSubnets: 2);
        var instance = engine.Instance.Id.ToString();
        var subnet = engine.SubnetA.Id.ToString();
        // The sampler reads under the instance's gate, as the REST API works.
        T Locked<T>(Func<T> action)
        {
            engine.Instance.Gate.Wait();
            try { return action(); }
            finally { engine.Instance.Gate.Release(); }
        }
        var counterId = Locked(() => engine.Install(Fixtures.Wasm("counter"), Nat(0), engine.SubnetA));
        var counter = counterId.ToString();

        async Task<JsonElement> NextSample(Func<JsonElement, bool> wanted)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                var delivery = await channel.BasicGetAsync(queue, autoAck: true);
                if (delivery is null) { await Task.Delay(50); continue; }
                var message = JsonDocument.Parse(delivery.Body.ToArray()).RootElement.GetProperty("message").Clone();
                if (message.GetProperty("instanceId").GetString() == instance && message.GetProperty("subnetId").GetString() == subnet && wanted(message)) return message;
            }
            throw new TimeoutException("no matching load sample arrived within 30 s");
        }
        static JsonElement Canister(JsonElement sample, string id) =>
            sample.GetProperty("canisters").EnumerateArray().Single(c => c.GetProperty("canisterId").GetString() == id);

        var idle = await NextSample(s => Canister(s, counter).GetProperty("messagesPerSecond").GetDouble() == 0);
        Assert.Equal("Application", idle.GetProperty("subnetKind").GetString());
        Assert.Equal("running", Canister(idle, counter).GetProperty("status").GetString());
        Assert.True(Canister(idle, counter).GetProperty("memoryBytes").GetInt64() > 0);

        // Hot: updates for a second, across several sample windows.
        var hotUntil = DateTime.UtcNow.AddSeconds(1);
        var updates = 0;
        while (DateTime.UtcNow < hotUntil)
        {
            Reply(Locked(() => engine.Update(Alice, counterId, "inc", NoArgs)));
            updates++;
        }
        var hot = await NextSample(s => Canister(s, counter).GetProperty("messagesPerSecond").GetDouble() > 10);
        Assert.True(Canister(hot, counter).GetProperty("instructionsPerSecond").GetDouble() > 10_000);
        Assert.True(updates > 10, $"only {updates} updates in a second");

        var cooled = await NextSample(s => Canister(s, counter).GetProperty("messagesPerSecond").GetDouble() == 0);
        Assert.True(DateTimeOffset.Parse(cooled.GetProperty("windowStart").GetString()!) >= DateTimeOffset.Parse(hot.GetProperty("windowEnd").GetString()!));
    }
}
