using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Platform.Ingest.Retention;

/// <summary>A namespace's rules as stored: who set them and when.</summary>
internal sealed record StoredRetention(string Namespace, RetentionRules Rules, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>
/// The retention rules, one row per namespace in Ingest's own table (<c>ingest.retention_rules</c>): Ingest owns the
/// repository streams the rules delete from, so it owns the rules too. Plain SQL: rules are settings, not a history
/// (each change is answered with who made it; the deletions they cause are events).
/// </summary>
internal sealed class RetentionStore(NpgsqlDataSource db)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _schema = new(1, 1);
    private volatile bool _ready;

    public async Task<StoredRetention?> GetAsync(string ns, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        await using var command = db.CreateCommand("select namespace, rules, updated_at, updated_by from ingest.retention_rules where namespace = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = ns });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<StoredRetention>> AllAsync(CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        await using var command = db.CreateCommand("select namespace, rules, updated_at, updated_by from ingest.retention_rules order by namespace");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var all = new List<StoredRetention>();
        while (await reader.ReadAsync(ct))
            all.Add(Read(reader));
        return all;
    }

    public async Task<StoredRetention> PutAsync(string ns, RetentionRules rules, string by, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        await using var command = db.CreateCommand("""
            insert into ingest.retention_rules (namespace, rules, updated_at, updated_by) values ($1, $2, now(), $3)
            on conflict (namespace) do update set rules = excluded.rules, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            returning namespace, rules, updated_at, updated_by
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ns });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(rules, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return Read(reader);
    }

    private static StoredRetention Read(NpgsqlDataReader r) => new(
        r.GetString(0),
        JsonSerializer.Deserialize<RetentionRules>(r.GetString(1), Json)!,
        r.GetFieldValue<DateTimeOffset>(2),
        r.GetString(3));

    private async Task EnsureSchemaAsync(CancellationToken ct)
    {
        if (_ready)
            return;
        await _schema.WaitAsync(ct);
        try
        {
            if (_ready)
                return;
            await using var command = db.CreateCommand("""
                create schema if not exists ingest;
                create table if not exists ingest.retention_rules (
                    namespace text primary key,
                    rules jsonb not null,
                    updated_at timestamptz not null,
                    updated_by text not null
                );
                """);
            await command.ExecuteNonQueryAsync(ct);
            _ready = true;
        }
        finally
        {
            _schema.Release();
        }
    }
}
