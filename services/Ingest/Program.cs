using JasperFx.Events.Daemon;
using Platform.Hosting;
using Platform.Hosting.ApiDescription;
using Platform.Hosting.Observability;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;
using Platform.Ingest;
using Platform.Ingest.Canisters;
using Platform.Ingest.Gc;
using Platform.Ingest.Internal;
using Platform.Ipfs;
using Platform.Ingest.Relay;
using Platform.Ingest.Retention;
using Platform.Registry;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("ingest");
builder.AddPlatformMarten(options =>
    {
        options.AddRegistry();
        // The relay is how fast other services hear of a push: poll for new events often (the default idles at 1 s).
        options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);
        options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(250);
        // A sequence gap (a transaction rolled back by an optimistic-concurrency retry, common when layers of one
        // image land at once) holds the relay until it is declared stale: 3 s by default, which is most of the
        // push-to-pin lag under bursts. Pushes commit in milliseconds; 1 s is still far above that.
        options.Projections.StaleSequenceThreshold = TimeSpan.FromSeconds(1);
    })
    // The event store is the outbox: the relay publishes what was committed, from its checkpoint, and the audit
    // feed sends the same events, in commit order, to the audit log. Solo, not HotCold: HotCold's leader election
    // needs Patched.DistributedLock.Postgres 1.3.3 (the stock 1.3.1 served here throws "Multiplexing is
    // incompatible with DbDataSource"). Run one Ingest with the relays per deployment; a second one would publish
    // duplicates, which consumers already ignore.
    .AddSubscriptionWithServices<EventRelay>(ServiceLifetime.Singleton, o => o.Name = EventRelay.SubscriptionName)
    .AddSubscriptionWithServices<AuditFeedRelay>(ServiceLifetime.Singleton, o => o.Name = AuditFeedRelay.SubscriptionName)
    .AddAsyncDaemon(DaemonMode.Solo);
// The relays only produce messages: RabbitMQ's own client in MassTransit's message format, no bus (see
// RabbitPublisher). Ingest stays ready while the broker is down; the relays catch up from their checkpoints.
builder.Services.AddSingleton<RabbitPublisher>();
builder.Services.AddInstruments<RelayLag>();
builder.AddOciWrites();
builder.AddCanisterModules();
builder.AddGarbageCollection();
builder.AddRetention();
// Only to read back blobs whose local file is gone: Ingest stays ready without IPFS, so no readiness check.
builder.Services.AddKuboClient(builder.Configuration, readinessCheck: false);
builder.AddPlatformOpenApi();

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapPlatformMetrics();
app.MapPlatformOpenApi();
app.MapOciWrites();
app.MapCanisterModules();
app.MapGarbageCollection();
app.MapRetention();
app.MapInternalContent();
app.Run();

namespace Platform.Ingest
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class IngestService;
}
