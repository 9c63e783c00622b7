using Platform.Audit.Api;
using Platform.Audit.Log;
using Platform.Audit.Recording;
using Platform.Audit.Webhooks;
using Platform.Contracts;
using Platform.Hosting;
using Platform.Hosting.ApiDescription;
using Platform.Hosting.Observability;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("audit");
// The audit log is one table in its own schema (written only by this service, never touched by the others), on
// plain Npgsql: it has no event streams of its own, so no Marten.
builder.AddPlatformPostgres();
builder.Services.AddSingleton<AuditLog>();
builder.Services.AddInstruments<AuditMetrics>();
builder.Services.AddHostedService<AuditSchema>();
builder.AddWebhooks();
builder.Services.AddSingleton<WebhookFanOut>();
// The audit log's inbox (AuditFeed): producers send to it in order, one message at a time is consumed, so the
// log's order is the order events were committed. Not bound to the contracts' exchanges: what is published there
// comes pipelined, out of order, and the same events arrive here through Ingest's ordered audit feed.
builder.AddPlatformMessaging("audit", x => x.AddConsumer<AuditConsumer>()
    .Endpoint(e =>
    {
        e.Name = AuditFeed.QueueName;
        e.ConfigureConsumeTopology = false;
        e.ConcurrentMessageLimit = 1;
        e.PrefetchCount = 32;
    }));
builder.Services.AddProblemDetails();
builder.AddPlatformOpenApi();

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapPlatformMetrics();
app.MapPlatformOpenApi();
app.MapAuditApi();
app.MapWebhookApi();
app.Run();

namespace Platform.Audit
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class AuditService;
}
