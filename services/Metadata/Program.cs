using Platform.Hosting;
using Platform.Hosting.ApiDescription;
using Platform.Hosting.Observability;
using Platform.Hosting.Persistence;
using Platform.Metadata;
using Platform.Metadata.Canisters;
using Platform.Metadata.Namespaces;
using Platform.Metadata.Repositories;
using Platform.Registry;

// Metadata: the registry's read side. It reads the inline projections that Ingest and Pinning write with their events, so
// it consumes no messages and needs no broker: a RabbitMQ outage does not touch a pull.
var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("metadata");
builder.AddPlatformMarten(options => options.AddRegistry());
builder.AddOciReads();
builder.AddRepositoryApi();
builder.AddCanisterApi();
builder.AddPlatformOpenApi();

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapPlatformMetrics();
app.MapPlatformOpenApi();
app.MapOciReads();
app.MapRepositoryApi();
app.MapCanisterApi();
app.MapNamespaceUsage();
app.Run();

namespace Platform.Metadata
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class MetadataService;
}
