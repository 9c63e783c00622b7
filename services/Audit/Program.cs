using Platform.Audit.Api;
using Platform.Audit.Log;
using Platform.Audit.Recording;
using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("audit");
// The audit log lives in its own schema: written only by this service, never touched by the others.
builder.AddPlatformMarten(options => options.DatabaseSchemaName = "audit");
builder.Services.AddSingleton<AuditLog>();
builder.Services.AddHostedService<AuditSchema>();
// One message at a time: the log's order is the order events were committed (the relay publishes in sequence).
builder.AddPlatformMessaging("audit", x => x.AddConsumer<AuditConsumer>()
    .Endpoint(e =>
    {
        e.ConcurrentMessageLimit = 1;
        e.PrefetchCount = 32;
    }));
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.MapAuditApi();
app.Run();

namespace Platform.Audit
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class AuditService;
}
