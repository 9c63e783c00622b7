using JasperFx.Events;
using JasperFx.Events.Daemon;
using Microsoft.Extensions.Options;
using Platform.Deploy.Api;
using Platform.Deploy.Engine;
using Platform.Deploy.Modules;
using Platform.Deploy.Planning;
using Platform.Deploy.Reconciliation;
using Platform.Deploy.Registry;
using Platform.Deploy.Relay;
using Platform.Deploy.Releases;
using Platform.Engine.Client;
using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;

namespace Platform.Deploy;

internal static class DeployHosting
{
    /// <summary>
    /// Deploy's parts: its event store (schema deploy) with the relay as a subscription, the engine it carries releases
    /// out on, the module catalog, the planner, the release runner and the drift reconciler.
    /// </summary>
    public static WebApplicationBuilder AddDeploy(this WebApplicationBuilder builder)
    {
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
        builder.Services.AddSingleton<RegistrySync>();
        builder.Services.AddSingleton<ReleaseRunner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReleaseRunner>());
        builder.Services.AddHostedService<DriftReconciler>();
        return builder;
    }
}
