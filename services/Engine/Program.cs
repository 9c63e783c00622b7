using Platform.Engine.Hosting;
using Platform.Engine.PocketIc;
using Platform.Hosting;
using Platform.Hosting.Observability;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("engine");
builder.AddCanisterEngine();

var app = builder.Build();
app.UseActivityTracking();
// pic-js and PocketIC clients talk to the engine directly, not through the gateway.
app.UsePlatformDefaults(behindGateway: false);
app.MapPlatformHealth();
app.MapPlatformMetrics();
app.MapPocketIc();
app.Run();

namespace Platform.Engine
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class EngineService;
}
