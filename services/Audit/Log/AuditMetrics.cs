using System.Diagnostics.Metrics;
using Npgsql;

namespace Platform.Audit.Log;

/// <summary>
/// platform_audit_chain_length: entries in the hash chain (its last sequence), read when /metrics is scraped, so
/// it is the log's length whichever process appended to it. A chain that stops growing while pushes go on is an
/// audit feed that is stuck.
/// </summary>
internal sealed class AuditMetrics
{
    public const string MeterName = "Platform.Audit";

    public AuditMetrics(IMeterFactory meters, Microsoft.Extensions.Configuration.IConfiguration configuration, NpgsqlDataSource database)
    {
        var meter = meters.Create(Platform.Hosting.Observability.Telemetry.ScopedMeterName(configuration, MeterName));
        meter.CreateObservableGauge("platform.audit.chain.length", () => ChainLength(database),
            description: "Entries in the audit log's hash chain.");
    }

    private static IEnumerable<Measurement<long>> ChainLength(NpgsqlDataSource database)
    {
        long length;
        try
        {
            // Read synchronously: the exporter reads observable instruments on the scrape's thread.
            using var command = database.CreateCommand("SELECT coalesce(max(sequence), 0) FROM audit.entries");
            command.CommandTimeout = 5;
            length = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (NpgsqlException)
        {
            // PostgreSQL away, or the schema not created yet: no sample rather than a wrong one.
            yield break;
        }
        yield return new Measurement<long>(length);
    }
}
