using System.Diagnostics.Metrics;
using Marten;
using Npgsql;

namespace Platform.Ingest.Relay;

/// <summary>
/// How far each relay is behind the event store, read from Marten's own checkpoints when /metrics is scraped:
/// platform_relay_lag_events (committed events not yet published) and platform_relay_lag_seconds (the age of the
/// oldest of them; 0 when the relay is caught up). Read from PostgreSQL rather than counted in the relay, so a relay
/// that is stuck (broker down, daemon stopped) shows a growing lag instead of its last good value.
/// </summary>
internal sealed class RelayLag
{
    private static readonly string[] Relays = [EventRelay.SubscriptionName, AuditFeedRelay.SubscriptionName];

    private readonly NpgsqlDataSource _database;
    private readonly string _sql;

    public RelayLag(IMeterFactory meters, Microsoft.Extensions.Configuration.IConfiguration configuration, NpgsqlDataSource database, IDocumentStore store)
    {
        _database = database;
        var schema = store.Options.Events.DatabaseSchemaName;
        // The progression row of a subscription is named "<subscription>:All".
        _sql = $"""
            SELECT split_part(p.name, ':', 1), behind.events, coalesce(extract(epoch FROM now() - behind.oldest), 0)::float8
            FROM {schema}.mt_event_progression p,
                 LATERAL (SELECT count(*) AS events, min(e.timestamp) AS oldest FROM {schema}.mt_events e WHERE e.seq_id > p.last_seq_id) behind
            WHERE split_part(p.name, ':', 1) = ANY(@relays)
            """;
        var meter = meters.Create(Platform.Hosting.Observability.Telemetry.ScopedMeterName(configuration, Uploads.UploadMetrics.MeterName));
        meter.CreateObservableGauge("platform.relay.lag.events", () => Read().Select(r => new Measurement<long>(r.Events, Tag(r.Relay))),
            description: "Committed events the relay has not published yet.");
        meter.CreateObservableGauge("platform.relay.lag", () => Read().Select(r => new Measurement<double>(r.Seconds, Tag(r.Relay))),
            unit: "s", description: "Age of the oldest committed event the relay has not published yet.");
    }

    private static KeyValuePair<string, object?> Tag(string relay) => new("relay", relay);

    private List<(string Relay, long Events, double Seconds)> Read()
    {
        var rows = new List<(string, long, double)>();
        try
        {
            // Observable instruments are read synchronously by the exporter; a scrape is rare, the query is cheap.
            using var command = _database.CreateCommand(_sql);
            command.CommandTimeout = 5;
            command.Parameters.AddWithValue("relays", Relays);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2)));
        }
        catch (NpgsqlException)
        {
            // PostgreSQL away: the scrape goes on without these series (readiness reports the outage).
        }
        catch (InvalidOperationException)
        {
        }
        return rows;
    }
}
