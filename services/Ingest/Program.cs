using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("ingest");
builder.AddPlatformMarten(options => { });
builder.AddPlatformMessaging("ingest");

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.Run();

namespace Platform.Ingest
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class IngestService;
}
