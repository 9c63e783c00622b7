using Platform.Hosting;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults("audit");
// The audit log lives in its own schema: it is written only by this service and must not be touched by others.
builder.AddPlatformMarten(options => options.DatabaseSchemaName = "audit");
builder.AddPlatformMessaging("audit");

var app = builder.Build();
app.UsePlatformDefaults();
app.MapPlatformHealth();
app.Run();

namespace Platform.Audit
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class AuditService;
}
