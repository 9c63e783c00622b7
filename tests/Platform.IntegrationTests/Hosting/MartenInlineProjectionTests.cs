using Microsoft.AspNetCore.Hosting;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.Hosting.Persistence;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Hosting;

/// <summary>Events appended through the shared Marten defaults are projected inline, in the same transaction.</summary>
public sealed class MartenInlineProjectionTests
{
    [Fact]
    public async Task Appended_events_are_visible_in_the_inline_projection_right_after_commit()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["ConnectionStrings:Postgres"] = await TestDatabase.CreateAsync("marten");
        builder.AddPlatformMarten(o => o.Projections.Add<CounterProjection>(ProjectionLifecycle.Inline));
        await using var app = builder.Build();
        await app.StartAsync();

        var store = app.Services.GetRequiredService<IDocumentStore>();
        var streamId = Guid.NewGuid();
        await using (var session = store.LightweightSession())
        {
            session.CorrelationId = "req-123";
            session.Events.StartStream<Counter>(streamId, new CounterStarted("apples"), new CounterIncremented(3));
            await session.SaveChangesAsync();
        }
        await using (var session = store.LightweightSession())
        {
            session.Events.Append(streamId, new CounterIncremented(4));
            await session.SaveChangesAsync();
        }

        await using var query = store.QuerySession();
        var counter = await query.LoadAsync<Counter>(streamId);
        Assert.NotNull(counter);
        Assert.Equal("apples", counter.Name);
        Assert.Equal(7, counter.Total);

        var events = await query.Events.FetchStreamAsync(streamId);
        Assert.Equal(3, events.Count);
        Assert.Equal("req-123", events[0].CorrelationId);
        await app.StopAsync();
    }
}

public sealed record CounterStarted(string Name);
public sealed record CounterIncremented(int By);

public sealed class Counter
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public int Total { get; set; }
}

public sealed class CounterProjection : SingleStreamProjection<Counter, Guid>
{
    public static Counter Create(CounterStarted e) => new() { Name = e.Name };
    public static Counter Apply(CounterIncremented e, Counter c) { c.Total += e.By; return c; }
}
