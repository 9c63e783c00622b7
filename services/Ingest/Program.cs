using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;
using Platform.Ingest;
using Platform.Registry;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("ingest");
builder.AddPlatformMarten(options => options.AddRegistry());
builder.AddPlatformMessaging("ingest");
builder.AddOciWrites();

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapOciWrites();
app.Run();

namespace Platform.Ingest
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class IngestService;
}
