using JasperFx.Events;
using JasperFx.Events.Daemon;
using Microsoft.Extensions.Options;
using Platform.Deploy;
using Platform.Deploy.Api;
using Platform.Deploy.Engine;
using Platform.Deploy.Modules;
using Platform.Deploy.Planning;
using Platform.Deploy.Reconciliation;
using Platform.Deploy.Relay;
using Platform.Deploy.Releases;
using Platform.Engine.Client;
using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;

// Deploy: environments as desired state (schema deploy: one stream per environment, one per release), releases
// carried out on the engine through the PocketIC client, module versions from Metadata's canister-modules API,
// events out through its own relay (the event store is the outbox).
var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("deploy");
builder.AddPlatformMarten(options =>
    {
        options.DatabaseSchemaName = "deploy";
        options.Events.DatabaseSchemaName = "deploy";
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Schema.For<EngineBinding>().Identity(x => x.Id);
        // Release ends reach the Scaler and the audit log through the relay: poll often.
        options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);
        options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(500);
        options.Projections.StaleSequenceThreshold = TimeSpan.FromSeconds(1);
    })
    .AddSubscriptionWithServices<DeployRelay>(ServiceLifetime.Singleton, o => o.Name = DeployRelay.SubscriptionName)
    .AddAsyncDaemon(DaemonMode.Solo);
builder.Services.AddSingleton<RabbitPublisher>();
builder.Services.Configure<DeployOptions>(builder.Configuration.GetSection(DeployOptions.Section));
builder.Services.Configure<EngineOptions>(builder.Configuration.GetSection(EngineOptions.Section));
builder.Services.AddModuleCatalog();
builder.Services.AddHttpClient("engine", (sp, http) =>
{
    http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<EngineOptions>>().Value.Url.TrimEnd('/') + "/");
    http.Timeout = TimeSpan.FromMinutes(5);
});
builder.Services.AddSingleton(sp => new PocketIcClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient("engine")));
builder.Services.AddSingleton<EngineConnection>();
builder.Services.AddScoped<ReleasePlanner>();
builder.Services.AddSingleton<ReleaseRunner>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ReleaseRunner>());
builder.Services.AddHostedService<DriftReconciler>();

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapEnvironments();
app.Run();

namespace Platform.Deploy
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class DeployService;
}
