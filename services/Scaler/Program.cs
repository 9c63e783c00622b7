using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Platform.Hosting;
using Platform.Hosting.ApiDescription;
using Platform.Hosting.Observability;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;
using Platform.Scaler;
using Platform.Scaler.Api;
using Platform.Scaler.Decisions;
using Platform.Scaler.Environments;
using Platform.Scaler.Policy;
using Platform.Scaler.Signals;

// Scaler: the engine's load samples and Deploy's environments in, scaling decisions out. Decisions are events in
// the Scaler's own streams (schema scaler), published from there to the bus and the audit log by the relay; the
// samples live in memory only (measurements, not events).
var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("scaler");
builder.AddScaler();
builder.AddPlatformOpenApi();

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapPlatformMetrics();
app.MapPlatformOpenApi();
app.MapScalerApi();
app.MapScalerLoad();
app.Run();

namespace Platform.Scaler
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class ScalerService;

    internal static class ScalerHosting
    {
        public static WebApplicationBuilder AddScaler(this WebApplicationBuilder builder)
        {
            var policy = builder.Configuration.GetSection(ScalerOptions.Section).Get<ScalerOptions>() ?? new ScalerOptions();
            builder.Services.AddSingleton(policy);
            builder.Services.Configure<ScalerServiceOptions>(builder.Configuration.GetSection(ScalerOptions.Section));
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton<LoadWindow>();
            builder.Services.AddSingleton<EnvironmentLocks>();

            builder.AddPlatformMarten(options =>
                {
                    options.DatabaseSchemaName = "scaler";
                    options.Events.DatabaseSchemaName = "scaler";
                    options.Events.StreamIdentity = StreamIdentity.AsString;
                    options.Events.AddEventType<ScalingDecided>();
                    options.Schema.For<EnvironmentState>().Identity(e => e.Id).Index(e => e.Namespace);
                    options.Schema.For<DecisionRecord>().Identity(d => d.Id).Index(d => d.DecidedAt).Index(d => d.Namespace);
                    // Deploy hears of a decision through the relay: poll for new events often.
                    options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(200);
                    options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(500);
                })
                // Solo like Ingest's relays: run one Scaler per deployment (a second would decide twice).
                .AddSubscriptionWithServices<DecisionRelay>(ServiceLifetime.Singleton, o => o.Name = DecisionRelay.SubscriptionName)
                .AddAsyncDaemon(DaemonMode.Solo);
            builder.Services.AddSingleton<RabbitPublisher>();
            builder.Services.AddHostedService<ScalingLoop>();
            // Deploy's API, to catch up on environments deployed before the Scaler started (Services:Deploy, as the
            // gateway routes to it). Without it the Scaler knows only what Deploy reports while it runs.
            if (builder.Configuration["Services:Deploy"] is { Length: > 0 } deploy)
            {
                builder.Services.AddHttpClient<DeployEnvironments>(c =>
                {
                    c.BaseAddress = new Uri(deploy);
                    c.DefaultRequestVersion = System.Net.HttpVersion.Version20;
                    c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
                    c.Timeout = TimeSpan.FromSeconds(30);
                });
                builder.Services.AddHostedService<EnvironmentCatchUp>();
            }
            builder.AddPlatformMessaging("scaler", x =>
            {
                x.AddConsumer<EngineLoadConsumer>();
                // One report at a time: each rewrites the environment's document.
                x.AddConsumer<EnvironmentDeployedConsumer>().Endpoint(e => e.ConcurrentMessageLimit = 1);
            });
            builder.Services.AddProblemDetails();
            return builder;
        }
    }
}
