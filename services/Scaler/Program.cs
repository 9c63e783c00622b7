using Platform.Hosting;
using Platform.Hosting.Observability;

// Scaler: the canister autoscaler's host. It makes no decisions yet, so it holds no state and consumes nothing; it
// answers its health endpoints so the stack's shape (and `make up`) already has its place.
var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("scaler");

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapPlatformMetrics();
app.Run();

namespace Platform.Scaler
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class ScalerService;
}
