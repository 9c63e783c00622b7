using JasperFx.Events.Daemon;
using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;
using Platform.Ingest;
using Platform.Ingest.Internal;
using Platform.Ipfs;
using Platform.Ingest.Relay;
using Platform.Registry;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("ingest");
builder.AddPlatformMarten(options =>
    {
        options.AddRegistry();
        // The relay is how fast other services hear of a push: poll for new events often (the default idles at 1 s).
        options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);
        options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(250);
    })
    // The event store is the outbox: one relay (HotCold: a single leader among Ingest instances) publishes what
    // was committed, from its checkpoint.
    .AddSubscriptionWithServices<EventRelay>(ServiceLifetime.Singleton, o => o.Name = EventRelay.Name)
    .AddAsyncDaemon(DaemonMode.HotCold);
builder.AddPlatformMessaging("ingest");
builder.AddOciWrites();
// Only to read back blobs whose local file is gone: Ingest stays ready without IPFS, so no readiness check.
builder.Services.AddKuboClient(builder.Configuration, readinessCheck: false);

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapOciWrites();
app.MapInternalContent();
app.Run();

namespace Platform.Ingest
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class IngestService;
}
