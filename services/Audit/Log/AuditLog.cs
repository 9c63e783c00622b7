using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace Platform.Audit.Log;

/// <summary>What the audit log is asked to record: an event, described.</summary>
internal sealed record AuditRecord(
    Guid EventId, DateTimeOffset OccurredAt, string Actor, string? ClientAddress, string? UserAgent,
    string Action, string? Repository, string? Digest, string? Tag, string? RequestId);

internal sealed record AuditQuery(
    string? Repository, string? Action, string? Actor, DateTimeOffset? Since, DateTimeOffset? Until, int Limit, long? Before);

internal sealed record VerifyResult(bool Valid, long Checked, long? FirstInvalidSequence);

/// <summary>
/// The append-only, hash-chained audit log in the `audit` schema. Appends are serialised by a transaction-scoped
/// advisory lock: each entry's sequence and hash depend on the one before. The event id is unique, so the same
/// event delivered twice is recorded once.
/// </summary>
internal sealed class AuditLog(NpgsqlDataSource dataSource)
{
    private const long AppendLockKey = 0x6175646974; // "audit"

    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE SCHEMA IF NOT EXISTS audit;
            CREATE TABLE IF NOT EXISTS audit.entries (
                sequence        bigint PRIMARY KEY,
                event_id        uuid NOT NULL UNIQUE,
                occurred_at     timestamptz NOT NULL,
                recorded_at     timestamptz NOT NULL DEFAULT now(),
                actor           text NOT NULL,
                client_address  text NULL,
                user_agent      text NULL,
                action          text NOT NULL,
                repository      text NULL,
                digest          text NULL,
                tag             text NULL,
                request_id      text NULL,
                previous_hash   text NOT NULL,
                hash            text NOT NULL
            );
            CREATE INDEX IF NOT EXISTS entries_repository ON audit.entries (repository, sequence DESC);
            CREATE INDEX IF NOT EXISTS entries_occurred ON audit.entries (occurred_at);
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <returns>false when the event was already recorded.</returns>
    public async Task<bool> AppendAsync(AuditRecord record, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        long previousSequence = 0;
        var previousHash = AuditEntry.GenesisHash;
        // The lock, the duplicate check and the last entry in one round trip (three were a round trip each, under a
        // burst of pushes a dozen entries per image): the lock comes first in the batch, so the two reads see every
        // entry committed before it was granted.
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@key)");
            lockCommand.Parameters.AddWithValue("key", AppendLockKey);
            var exists = new NpgsqlBatchCommand("SELECT 1 FROM audit.entries WHERE event_id = @id");
            exists.Parameters.AddWithValue("id", record.EventId);
            batch.BatchCommands.Add(lockCommand);
            batch.BatchCommands.Add(exists);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT sequence, hash FROM audit.entries ORDER BY sequence DESC LIMIT 1"));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            await reader.NextResultAsync(ct); // past the lock's result
            if (await reader.ReadAsync(ct))
                return false;
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                previousSequence = reader.GetInt64(0);
                previousHash = reader.GetString(1);
            }
        }

        var fields = new AuditFields(previousSequence + 1, record.EventId, AuditFields.TruncateToMicroseconds(record.OccurredAt),
            record.Actor, record.ClientAddress, record.UserAgent, record.Action, record.Repository, record.Digest, record.Tag, record.RequestId);
        var hash = AuditEntry.ComputeHash(previousHash, fields);

        await using (var insert = new NpgsqlCommand("""
            INSERT INTO audit.entries (sequence, event_id, occurred_at, actor, client_address, user_agent, action,
                                       repository, digest, tag, request_id, previous_hash, hash)
            VALUES (@sequence, @event_id, @occurred_at, @actor, @client_address, @user_agent, @action,
                    @repository, @digest, @tag, @request_id, @previous_hash, @hash)
            """, connection, tx))
        {
            insert.Parameters.AddWithValue("sequence", fields.Sequence);
            insert.Parameters.AddWithValue("event_id", fields.EventId);
            insert.Parameters.AddWithValue("occurred_at", fields.OccurredAt);
            insert.Parameters.AddWithValue("actor", fields.Actor);
            insert.Parameters.Add(Text("client_address", fields.ClientAddress));
            insert.Parameters.Add(Text("user_agent", fields.UserAgent));
            insert.Parameters.AddWithValue("action", fields.Action);
            insert.Parameters.Add(Text("repository", fields.Repository));
            insert.Parameters.Add(Text("digest", fields.Digest));
            insert.Parameters.Add(Text("tag", fields.Tag));
            insert.Parameters.Add(Text("request_id", fields.RequestId));
            insert.Parameters.AddWithValue("previous_hash", previousHash);
            insert.Parameters.AddWithValue("hash", hash);
            await insert.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Newest first. <see cref="AuditQuery.Before"/> is the cursor: entries with a smaller sequence.</summary>
    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT sequence, event_id, occurred_at, actor, client_address, user_agent, action, repository, digest, tag,
                   request_id, previous_hash, hash
            FROM audit.entries
            WHERE (@repository::text IS NULL OR repository = @repository)
              AND (@action::text IS NULL OR action = @action)
              AND (@actor::text IS NULL OR actor = @actor)
              AND (@since::timestamptz IS NULL OR occurred_at >= @since)
              AND (@until::timestamptz IS NULL OR occurred_at < @until)
              AND (@before::bigint IS NULL OR sequence < @before)
            ORDER BY sequence DESC
            LIMIT @limit
            """);
        command.Parameters.Add(Text("repository", query.Repository));
        command.Parameters.Add(Text("action", query.Action));
        command.Parameters.Add(Text("actor", query.Actor));
        command.Parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = (object?)query.Since ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("until", NpgsqlDbType.TimestampTz) { Value = (object?)query.Until ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = (object?)query.Before ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", query.Limit);
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            entries.Add(Read(reader));
        return entries;
    }

    /// <summary>Oldest first, streamed: for exports of any size.</summary>
    public async IAsyncEnumerable<AuditEntry> ReadRangeAsync(DateTimeOffset? since, DateTimeOffset? until,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT sequence, event_id, occurred_at, actor, client_address, user_agent, action, repository, digest, tag,
                   request_id, previous_hash, hash
            FROM audit.entries
            WHERE (@since::timestamptz IS NULL OR occurred_at >= @since)
              AND (@until::timestamptz IS NULL OR occurred_at < @until)
            ORDER BY sequence
            """);
        command.Parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = (object?)since ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("until", NpgsqlDbType.TimestampTz) { Value = (object?)until ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            yield return Read(reader);
    }

    /// <summary>
    /// Walks the whole chain: sequences must run 1, 2, 3... and every hash must be recomputable from its row and
    /// the previous row's hash. The first row that fails is reported.
    /// </summary>
    public async Task<VerifyResult> VerifyAsync(CancellationToken ct)
    {
        long expected = 1, checkedCount = 0;
        var previousHash = AuditEntry.GenesisHash;
        await foreach (var entry in ReadRangeAsync(null, null, ct))
        {
            if (entry.Sequence != expected || entry.PreviousHash != previousHash ||
                AuditEntry.ComputeHash(previousHash, entry.Fields) != entry.Hash)
                return new VerifyResult(false, checkedCount, Math.Min(entry.Sequence, expected));
            previousHash = entry.Hash;
            expected++;
            checkedCount++;
        }
        return new VerifyResult(true, checkedCount, null);
    }

    private static AuditEntry Read(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetGuid(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3),
        r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6),
        r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9),
        r.IsDBNull(10) ? null : r.GetString(10), r.GetString(11), r.GetString(12));

    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };
}
