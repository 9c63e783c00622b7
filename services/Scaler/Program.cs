using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("scaler");
builder.AddPlatformMarten(options => { });
builder.AddPlatformMessaging("scaler");

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.Run();

namespace Platform.Scaler
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class ScalerService;
}
