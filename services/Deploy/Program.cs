using Platform.Deploy;
using Platform.Deploy.Api;
using Platform.Deploy.Scaling;
using Platform.Hosting;
using Platform.Hosting.ApiDescription;
using Platform.Hosting.Observability;

// Deploy: environments as desired state (schema deploy: one stream per environment, one per release), releases
// carried out on the engine through the PocketIC client, module versions from Metadata's canister-modules API,
// events out through its own relay (the event store is the outbox).
var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("deploy");
builder.AddDeploy();
builder.AddPlatformOpenApi();

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapPlatformMetrics();
app.MapPlatformOpenApi();
app.MapEnvironments();
app.MapEnvironmentListings();
app.MapServicePick();
app.MapScalingEnvironments();
app.Run();
namespace Platform.Deploy
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class DeployService;
}
