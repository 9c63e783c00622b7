using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;
using Platform.Metadata;
using Platform.Metadata.Repositories;
using Platform.Registry;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("metadata");
builder.AddPlatformMarten(options => options.AddRegistry());
builder.AddPlatformMessaging("metadata");
builder.AddOciReads();
builder.AddRepositoryApi();

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapOciReads();
app.MapRepositoryApi();
app.Run();

namespace Platform.Metadata
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class MetadataService;
}
