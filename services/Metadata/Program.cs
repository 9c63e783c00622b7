using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("metadata");
builder.AddPlatformMarten(options => { });
builder.AddPlatformMessaging("metadata");

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.Run();

namespace Platform.Metadata
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class MetadataService;
}
