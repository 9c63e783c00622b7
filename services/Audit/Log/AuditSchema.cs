namespace Platform.Audit.Log;

/// <summary>Creates the audit schema and table before the service takes traffic or messages.</summary>
internal sealed class AuditSchema(AuditLog log) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => log.EnsureSchemaAsync(ct);
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
