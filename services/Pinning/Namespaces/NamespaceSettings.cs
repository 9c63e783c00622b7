using Npgsql;
using Platform.Contracts;

namespace Platform.Pinning.Namespaces;

/// <summary>
/// The namespaces' IPFS settings as the gateway last published them (<see cref="NamespaceSettingsChangedV1"/>), in
/// <c>pinning.namespaces</c>: Pinning's own copy, so it never reads the gateway's tables.
/// </summary>
internal sealed class NamespaceSettings(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Keeps the message if it is newer than what is stored. A message seen twice, or one older than the stored
    /// state (messages may come out of order), changes nothing.
    /// </summary>
    /// <returns>The namespace's effective mode before and after.</returns>
    public async Task<(IpfsMode Before, IpfsMode After)> ApplyAsync(NamespaceSettingsChangedV1 message, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var before = IpfsModes.Unknown;
        await using (var select = new NpgsqlCommand("SELECT public, ipfs_mode FROM pinning.namespaces WHERE namespace = @ns FOR UPDATE", connection, tx))
        {
            select.Parameters.AddWithValue("ns", message.Namespace);
            await using var reader = await select.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
                before = IpfsModes.Effective(reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetString(1));
        }
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO pinning.namespaces (namespace, public, ipfs_mode, occurred_at, event_id)
            VALUES (@ns, @public, @mode, @at, @id)
            ON CONFLICT (namespace) DO UPDATE
                SET public = EXCLUDED.public, ipfs_mode = EXCLUDED.ipfs_mode, occurred_at = EXCLUDED.occurred_at,
                    event_id = EXCLUDED.event_id, updated_at = now()
                WHERE pinning.namespaces.occurred_at < EXCLUDED.occurred_at
            """, connection, tx))
        {
            upsert.Parameters.AddWithValue("ns", message.Namespace);
            upsert.Parameters.AddWithValue("public", message.Public);
            upsert.Parameters.AddWithValue("mode", (object?)message.IpfsMode ?? DBNull.Value);
            upsert.Parameters.AddWithValue("at", message.Meta.OccurredAt.ToUniversalTime());
            upsert.Parameters.AddWithValue("id", message.Meta.EventId);
            if (await upsert.ExecuteNonQueryAsync(ct) == 0)
            {
                await tx.CommitAsync(ct);
                return (before, before);
            }
        }
        await tx.CommitAsync(ct);
        return (before, IpfsModes.Effective(message.Public, message.IpfsMode));
    }

    /// <summary>The effective mode of each namespace; one not known yet is <see cref="IpfsModes.Unknown"/>.</summary>
    public async Task<Dictionary<string, IpfsMode>> ModesAsync(IReadOnlyCollection<string> namespaces, CancellationToken ct)
    {
        var modes = namespaces.Distinct(StringComparer.Ordinal).ToDictionary(n => n, _ => IpfsModes.Unknown, StringComparer.Ordinal);
        if (modes.Count == 0)
            return modes;
        await using var command = dataSource.CreateCommand("SELECT namespace, public, ipfs_mode FROM pinning.namespaces WHERE namespace = ANY(@ns)");
        command.Parameters.AddWithValue("ns", modes.Keys.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            modes[reader.GetString(0)] = IpfsModes.Effective(reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return modes;
    }

    /// <summary>The namespace of a repository: its first path segment (as the gateway's authorization has it).</summary>
    public static string NamespaceOf(string repository) => Platform.Registry.Oci.RepositoryName.NamespaceOf(repository);
}
