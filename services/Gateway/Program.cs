using Platform.Gateway.Distribution;
using Platform.Gateway.Routing;
using Platform.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("gateway");
builder.AddBackendRouting();

var app = builder.Build();
app.UsePlatformDefaults();
app.UseDistributionApiVersion();
app.MapPlatformHealth();
app.MapDistributionBase();
app.MapReverseProxy();
app.Run();

namespace Platform.Gateway
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class GatewayService;
}
