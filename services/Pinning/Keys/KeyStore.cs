using System.Security.Cryptography;
using Npgsql;
using Platform.Pinning.Encryption;

namespace Platform.Pinning.Keys;

/// <summary>A blob's data key, unwrapped, and which namespace key (and version) wraps it.</summary>
internal sealed record BlobKey(string Digest, string Namespace, int KeyVersion, byte[] DataKey, byte[] NoncePrefix);

/// <summary>What a rotation did: the namespace key's new version and how many data keys were wrapped again.</summary>
internal sealed record RotationResult(string Namespace, int Version, int Rewrapped);

/// <summary>
/// The key hierarchy, in Pinning's own schema (<c>pinning</c>, plain tables, written only here):
/// master key (configuration) → namespace keys (<c>pinning.namespace_keys</c>, one per version, wrapped by the
/// master key) → data keys (<c>pinning.blob_keys</c>, one per blob, random, wrapped by the current version of one
/// namespace's key). Rotation adds a namespace key version and wraps every data key of that namespace again: the
/// content on IPFS never changes (nor its CID), only the wrapping does. Changes of one namespace's keys are
/// serialised by a transaction-scoped advisory lock, so a data key created during a rotation is never left wrapped
/// by the old version.
/// </summary>
internal sealed partial class KeyStore(NpgsqlDataSource dataSource, MasterKey master, ILogger<KeyStore> logger)
{
    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, tx, "SELECT pg_advisory_xact_lock(hashtext('pinning-schema'))", ct);
        await Execute(connection, tx, """
            CREATE SCHEMA IF NOT EXISTS pinning;
            CREATE TABLE IF NOT EXISTS pinning.master_check (
                id          int PRIMARY KEY,
                wrapped     bytea NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE IF NOT EXISTS pinning.namespace_keys (
                namespace   text NOT NULL,
                version     int NOT NULL,
                wrapped_key bytea NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (namespace, version)
            );
            CREATE TABLE IF NOT EXISTS pinning.blob_keys (
                digest       text PRIMARY KEY,
                namespace    text NOT NULL,
                key_version  int NOT NULL,
                wrapped_key  bytea NOT NULL,
                nonce_prefix bytea NOT NULL,
                created_at   timestamptz NOT NULL DEFAULT now(),
                rewrapped_at timestamptz NULL
            );
            CREATE INDEX IF NOT EXISTS blob_keys_namespace ON pinning.blob_keys (namespace, key_version);
            CREATE TABLE IF NOT EXISTS pinning.namespaces (
                namespace   text PRIMARY KEY,
                public      boolean NOT NULL,
                ipfs_mode   text NULL,
                occurred_at timestamptz NOT NULL,
                event_id    uuid NOT NULL,
                updated_at  timestamptz NOT NULL DEFAULT now()
            );
            """, ct);

        // The master key must be the one the stored keys were wrapped with: a wrong one (another machine's, a
        // typo) stops the service here instead of failing every private pull later, or wrapping new keys with it.
        await using (var check = new NpgsqlCommand("SELECT wrapped FROM pinning.master_check WHERE id = 1", connection, tx))
        {
            if (await check.ExecuteScalarAsync(ct) is byte[] wrapped)
            {
                try
                {
                    CryptographicOperations.ZeroMemory(KeyWrap.Unwrap(master.Key, wrapped, KeyWrap.MasterCheckContext));
                }
                catch (CryptographicException e)
                {
                    throw new InvalidOperationException(
                        "the configured master key (Pinning:MasterKey) is not the one that wrapped the keys in schema pinning", e);
                }
            }
            else
            {
                await using var insert = new NpgsqlCommand("INSERT INTO pinning.master_check (id, wrapped) VALUES (1, @w)", connection, tx);
                insert.Parameters.AddWithValue("w", KeyWrap.Wrap(master.Key, RandomNumberGenerator.GetBytes(32), KeyWrap.MasterCheckContext));
                await insert.ExecuteNonQueryAsync(ct);
            }
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>The blob's data key, or null when it was never encrypted.</summary>
    public async Task<BlobKey?> FindAsync(string digest, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await FindAsync(connection, null, digest, ct);
    }

    /// <summary>
    /// The blob's data key; a new random one, wrapped by <paramref name="ns"/>'s current key, when it has none. A
    /// blob keeps its first data key for good, so encrypting it again gives the same bytes and the same CID.
    /// </summary>
    public async Task<BlobKey> GetOrCreateAsync(string digest, string ns, CancellationToken ct)
    {
        if (await FindAsync(digest, ct) is { } existing)
            return existing;

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockNamespaceAsync(connection, tx, ns, ct);
        if (await FindAsync(connection, tx, digest, ct) is { } raced)
            return raced;

        var (version, kek) = await CurrentNamespaceKeyAsync(connection, tx, ns, ct);
        var (dataKey, prefix) = ChunkedAead.NewKey();
        try
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO pinning.blob_keys (digest, namespace, key_version, wrapped_key, nonce_prefix)
                VALUES (@d, @ns, @v, @w, @p)
                """, connection, tx);
            insert.Parameters.AddWithValue("d", digest);
            insert.Parameters.AddWithValue("ns", ns);
            insert.Parameters.AddWithValue("v", version);
            insert.Parameters.AddWithValue("w", KeyWrap.Wrap(kek, dataKey, KeyWrap.DataKeyContext(digest, ns, version)));
            insert.Parameters.AddWithValue("p", prefix);
            await insert.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Another instance created it under another namespace's lock: that one is the blob's key.
            return await FindAsync(digest, ct) ?? throw new InvalidOperationException($"data key of {digest} vanished");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
        return new BlobKey(digest, ns, version, dataKey, prefix);
    }

    /// <summary>
    /// Adds a version of <paramref name="ns"/>'s key and wraps every data key the older versions wrap with it, in one
    /// transaction. The older versions stay (a backup of the data key table taken before still unwraps), and nothing
    /// on IPFS changes.
    /// </summary>
    public async Task<RotationResult> RotateAsync(string ns, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockNamespaceAsync(connection, tx, ns, ct);

        var keks = await NamespaceKeysAsync(connection, tx, ns, ct);
        var version = keks.Count == 0 ? 1 : keks.Keys.Max() + 1;
        var kek = RandomNumberGenerator.GetBytes(32);
        try
        {
            await InsertNamespaceKeyAsync(connection, tx, ns, version, kek, ct);

            var rows = new List<(string Digest, int Version, byte[] Wrapped)>();
            await using (var select = new NpgsqlCommand(
                "SELECT digest, key_version, wrapped_key FROM pinning.blob_keys WHERE namespace = @ns AND key_version < @v", connection, tx))
            {
                select.Parameters.AddWithValue("ns", ns);
                select.Parameters.AddWithValue("v", version);
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    rows.Add((reader.GetString(0), reader.GetInt32(1), (byte[])reader[2]));
            }
            foreach (var (digest, oldVersion, wrapped) in rows)
            {
                var dataKey = KeyWrap.Unwrap(keks[oldVersion], wrapped, KeyWrap.DataKeyContext(digest, ns, oldVersion));
                try
                {
                    await using var update = new NpgsqlCommand("""
                        UPDATE pinning.blob_keys SET key_version = @v, wrapped_key = @w, rewrapped_at = now() WHERE digest = @d
                        """, connection, tx);
                    update.Parameters.AddWithValue("v", version);
                    update.Parameters.AddWithValue("w", KeyWrap.Wrap(kek, dataKey, KeyWrap.DataKeyContext(digest, ns, version)));
                    update.Parameters.AddWithValue("d", digest);
                    await update.ExecuteNonQueryAsync(ct);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(dataKey);
                }
            }
            await tx.CommitAsync(ct);
            LogRotated(ns, version, rows.Count);
            return new RotationResult(ns, version, rows.Count);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
            foreach (var old in keks.Values)
                CryptographicOperations.ZeroMemory(old);
        }
    }

    /// <summary>The versions of a namespace's key, oldest first (none until its first private blob).</summary>
    public async Task<IReadOnlyList<int>> VersionsAsync(string ns, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM pinning.namespace_keys WHERE namespace = @ns ORDER BY version");
        command.Parameters.AddWithValue("ns", ns);
        var versions = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            versions.Add(reader.GetInt32(0));
        return versions;
    }

    private async Task<BlobKey?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string digest, CancellationToken ct)
    {
        string ns;
        int version;
        byte[] wrapped, prefix, wrappedKek;
        await using (var select = new NpgsqlCommand("""
            SELECT b.namespace, b.key_version, b.wrapped_key, b.nonce_prefix, k.wrapped_key
            FROM pinning.blob_keys b JOIN pinning.namespace_keys k ON k.namespace = b.namespace AND k.version = b.key_version
            WHERE b.digest = @d
            """, connection, tx))
        {
            select.Parameters.AddWithValue("d", digest);
            await using var reader = await select.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
                return null;
            (ns, version, wrapped, prefix, wrappedKek) = (reader.GetString(0), reader.GetInt32(1), (byte[])reader[2], (byte[])reader[3], (byte[])reader[4]);
        }
        var kek = KeyWrap.Unwrap(master.Key, wrappedKek, KeyWrap.NamespaceKeyContext(ns, version));
        try
        {
            return new BlobKey(digest, ns, version, KeyWrap.Unwrap(kek, wrapped, KeyWrap.DataKeyContext(digest, ns, version)), prefix);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    private async Task<(int Version, byte[] Key)> CurrentNamespaceKeyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string ns, CancellationToken ct)
    {
        await using (var select = new NpgsqlCommand(
            "SELECT version, wrapped_key FROM pinning.namespace_keys WHERE namespace = @ns ORDER BY version DESC LIMIT 1", connection, tx))
        {
            select.Parameters.AddWithValue("ns", ns);
            await using var reader = await select.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                var version = reader.GetInt32(0);
                return (version, KeyWrap.Unwrap(master.Key, (byte[])reader[1], KeyWrap.NamespaceKeyContext(ns, version)));
            }
        }
        // A namespace's first private blob creates its key.
        var kek = RandomNumberGenerator.GetBytes(32);
        await InsertNamespaceKeyAsync(connection, tx, ns, 1, kek, ct);
        return (1, kek);
    }

    private async Task<Dictionary<int, byte[]>> NamespaceKeysAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string ns, CancellationToken ct)
    {
        var keys = new Dictionary<int, byte[]>();
        await using var select = new NpgsqlCommand("SELECT version, wrapped_key FROM pinning.namespace_keys WHERE namespace = @ns", connection, tx);
        select.Parameters.AddWithValue("ns", ns);
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var version = reader.GetInt32(0);
            keys[version] = KeyWrap.Unwrap(master.Key, (byte[])reader[1], KeyWrap.NamespaceKeyContext(ns, version));
        }
        return keys;
    }

    private async Task InsertNamespaceKeyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string ns, int version, byte[] kek, CancellationToken ct)
    {
        await using var insert = new NpgsqlCommand(
            "INSERT INTO pinning.namespace_keys (namespace, version, wrapped_key) VALUES (@ns, @v, @w)", connection, tx);
        insert.Parameters.AddWithValue("ns", ns);
        insert.Parameters.AddWithValue("v", version);
        insert.Parameters.AddWithValue("w", KeyWrap.Wrap(master.Key, kek, KeyWrap.NamespaceKeyContext(ns, version)));
        await insert.ExecuteNonQueryAsync(ct);
    }

    private static async Task LockNamespaceAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string ns, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('pinning-ns:' || @ns))", connection, tx);
        command.Parameters.AddWithValue("ns", ns);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "rotated the key of namespace {Namespace} to version {Version}; {Rewrapped} data keys wrapped again")]
    private partial void LogRotated(string @namespace, int version, int rewrapped);
}

/// <summary>Creates the schema and checks the master key before the service takes messages or requests.</summary>
internal sealed class PinningSchema(KeyStore keys) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => keys.EnsureSchemaAsync(ct);
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
