using Platform.Hosting;
using Platform.Hosting.Observability;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;
using Platform.Ipfs;
using Platform.Pinning.Content;
using Platform.Pinning.Keys;
using Platform.Pinning.Namespaces;
using Platform.Pinning.Pins;
using Platform.Pinning.Reconciliation;
using Platform.Registry;

// Pinning: blob events in, bytes streamed from Ingest into IPFS (as they are, or encrypted for private namespaces),
// BlobPinned events out (on the blob's stream in the shared event store, from where Ingest's relay publishes them
// like any other event). The keys of encrypted copies live here only: schema pinning, wrapped by the master key.
var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("pinning");
builder.AddPlatformMarten(options => options.AddRegistry());
builder.Services.AddRegistryWriter();
builder.Services.AddKuboClient(builder.Configuration);
IngestContent.Register(builder.Services, builder.Configuration);
// Read at start: a missing or wrong master key stops the service before it pins anything.
builder.Services.AddSingleton(MasterKey.FromConfiguration(builder.Configuration));
builder.Services.AddSingleton<KeyStore>();
builder.Services.AddSingleton<NamespaceSettings>();
// Before the bus and the reconciler: both need the schema.
builder.Services.AddHostedService<PinningSchema>();
builder.Services.AddScoped<PinPolicy>();
builder.Services.AddScoped<IpfsPlaintext>();
builder.Services.AddScoped<BlobPinner>();
builder.Services.AddScoped<ManifestPinner>();
builder.Services.AddInstruments<PinMetrics>();
builder.Services.Configure<PinningOptions>(builder.Configuration.GetSection(PinningOptions.Section));
builder.Services.AddSingleton<PinReconciler>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<PinReconciler>());
// Pins are I/O bound (Ingest -> IPFS): several at once keep the lag from push to pin short under bursts.
var concurrentPins = builder.Configuration.GetSection(PinningOptions.Section).Get<PinningOptions>()?.ConcurrentPins ?? 16;
builder.AddPlatformMessaging("pinning", x =>
{
    x.AddConsumer<BlobEventsConsumer>().Endpoint(e =>
    {
        e.PrefetchCount = 64;
        e.ConcurrentMessageLimit = concurrentPins;
    });
    x.AddConsumer<ManifestEventsConsumer>().Endpoint(e => e.ConcurrentMessageLimit = concurrentPins);
    // One namespace change at a time: each may re-pin all of a namespace's blobs.
    x.AddConsumer<NamespaceSettingsConsumer>().Endpoint(e => e.ConcurrentMessageLimit = 1);
});

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapPlatformMetrics();
app.MapPlaintextContent();
app.MapKeyAdministration();
app.Run();

namespace Platform.Pinning
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class PinningService;
}
