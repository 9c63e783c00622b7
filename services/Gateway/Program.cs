using Platform.Gateway.ApiDocs;
using Platform.Gateway.Auth;
using Platform.Gateway.Console;
using Platform.Gateway.Content;
using Platform.Gateway.Distribution;
using Platform.Gateway.Routing;
using Platform.Hosting;
using Platform.Hosting.Observability;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("gateway");
builder.AddBackendRouting();
builder.AddGatewayAuth();
BlobAcceleration.AddBlobAcceleration(builder);
builder.AddConsole();
builder.AddPlatformApiDocument();

var app = builder.Build();
// The gateway is the door: it authenticates callers itself instead of trusting a signed actor header.
app.UsePlatformDefaults(behindGateway: false);
app.UseDistributionApiVersion();
// Before auth: /metrics answers only on the operators' own listener, which the public never reaches.
app.MapPlatformMetricsOnOwnListener();
app.UseGatewayAuth();
app.UseConsole();
app.MapPlatformHealth();
app.MapDistributionBase();
app.MapGatewayAuth();
app.MapPlatformApiDocument();
app.MapBackendRouting();
app.MapConsole();
app.Run();

namespace Platform.Gateway
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class GatewayService;
}
