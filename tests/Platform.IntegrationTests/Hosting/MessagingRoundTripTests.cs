using Microsoft.AspNetCore.Hosting;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Hosting;

/// <summary>The shared messaging defaults publish and consume through the real RabbitMQ broker.</summary>
public sealed class MessagingRoundTripTests
{
    [Fact]
    public async Task A_published_message_reaches_a_consumer_through_RabbitMQ()
    {
        var received = new TaskCompletionSource<RoundTripPing>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["ConnectionStrings:RabbitMq"] = TestServers.RabbitMq;
        builder.Services.AddSingleton(received);
        // A queue name of this test run's own, so parallel or earlier runs on the same broker cannot interfere.
        builder.AddPlatformMessaging($"roundtrip-{Guid.NewGuid():N}", x => x.AddConsumer<RoundTripPingConsumer>());
        await using var app = builder.Build();
        await app.StartAsync();

        var sent = new RoundTripPing(Guid.NewGuid(), "hello through the broker");
        await app.Services.GetRequiredService<IBus>().Publish(sent);

        var got = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(sent, got);
        await app.StopAsync();
    }
}

public sealed record RoundTripPing(Guid Id, string Text);

public sealed class RoundTripPingConsumer(TaskCompletionSource<RoundTripPing> received) : IConsumer<RoundTripPing>
{
    public Task Consume(ConsumeContext<RoundTripPing> context)
    {
        received.TrySetResult(context.Message);
        return Task.CompletedTask;
    }
}
