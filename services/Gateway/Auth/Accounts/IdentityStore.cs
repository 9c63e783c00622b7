using Npgsql;
using NpgsqlTypes;

namespace Platform.Gateway.Auth.Accounts;

/// <summary>
/// Accounts, namespaces, memberships and personal access tokens: four small tables in the schema "identity", read
/// and written with plain SQL. Only the gateway uses them, and it is the one service without the event store: what
/// it decides is logged as access events, and it stays a thin, light process in front of the others (Marten alone
/// cost it about 20 MiB, and the gateway's memory counts in what a large push costs, see the benchmarks).
/// <para>Names are case-sensitive and already validated by the callers; deletes cascade to memberships and tokens.</para>
/// </summary>
internal sealed class IdentityStore(NpgsqlDataSource db)
{
    private const string UniqueViolation = "23505";
    private const string ForeignKeyViolation = "23503";

    /// <summary>Creates the tables (idempotent, serialised between gateways starting at once).</summary>
    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(hashtext('platform.identity.schema'))", ct);
        await ExecuteAsync(connection, tx, Schema, ct);
        await tx.CommitAsync(ct);
    }

    // ------------------------------------------------------------------------------------------------ accounts

    public async Task<Account?> FindAccountAsync(string name, CancellationToken ct)
    {
        var accounts = await QueryAsync(AccountColumns + " WHERE name = $1", ReadAccount, ct, name);
        return accounts.Count == 0 ? null : accounts[0];
    }

    public Task<IReadOnlyList<Account>> AccountsAsync(AccountKind kind, CancellationToken ct) =>
        QueryAsync(AccountColumns + " WHERE kind = $1 ORDER BY name", ReadAccount, ct, KindName(kind));

    public async Task<bool> AnyAdminAsync(CancellationToken ct) =>
        await ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM identity.accounts WHERE is_admin)", ct);

    /// <summary>False when an account of that name exists.</summary>
    public async Task<bool> TryAddAccountAsync(Account account, CancellationToken ct)
    {
        try
        {
            await ExecuteAsync("""
                INSERT INTO identity.accounts (name, kind, is_admin, secret_hash, security_stamp, created_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                """, ct, account.Id, KindName(account.Kind), account.IsAdmin, account.SecretHash, account.SecurityStamp, account.CreatedAt);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation)
        {
            return false;
        }
    }

    /// <summary>Sets a new secret and a new security stamp (refresh tokens issued before stop working).</summary>
    public async Task<bool> SetSecretAsync(string name, AccountKind kind, string secretHash, CancellationToken ct) =>
        await ExecuteAsync("UPDATE identity.accounts SET secret_hash = $3, security_stamp = $4 WHERE name = $1 AND kind = $2",
            ct, name, KindName(kind), secretHash, Guid.NewGuid().ToString("N")) == 1;

    public Task MakeAdminAsync(string name, CancellationToken ct) =>
        ExecuteAsync("UPDATE identity.accounts SET is_admin = true WHERE name = $1", ct, name);

    /// <summary>Deletes the account with its memberships and personal access tokens.</summary>
    public async Task<bool> DeleteAccountAsync(string name, AccountKind kind, CancellationToken ct) =>
        await ExecuteAsync("DELETE FROM identity.accounts WHERE name = $1 AND kind = $2", ct, name, KindName(kind)) == 1;

    // ------------------------------------------------------------------------------------------------ namespaces

    public Task<IReadOnlyList<RegistryNamespace>> NamespacesAsync(CancellationToken ct) =>
        QueryAsync("SELECT name, public, created_at FROM identity.namespaces ORDER BY name",
            r => new RegistryNamespace { Id = r.GetString(0), Public = r.GetBoolean(1), CreatedAt = r.GetFieldValue<DateTimeOffset>(2) }, ct);

    public async Task<bool> NamespaceExistsAsync(string ns, CancellationToken ct) =>
        await ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM identity.namespaces WHERE name = $1)", ct, ns);

    /// <summary>False when the namespace exists.</summary>
    public async Task<bool> TryAddNamespaceAsync(RegistryNamespace space, CancellationToken ct)
    {
        try
        {
            await ExecuteAsync("INSERT INTO identity.namespaces (name, public, created_at) VALUES ($1, $2, $3)",
                ct, space.Id, space.Public, space.CreatedAt);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation)
        {
            return false;
        }
    }

    /// <summary>The namespaces anyone may pull from, and those <paramref name="account"/> (if any) is a member of.</summary>
    public Task<IReadOnlyList<string>> PullableNamespacesAsync(string? account, CancellationToken ct) =>
        QueryAsync("""
            SELECT name FROM identity.namespaces WHERE public
            UNION SELECT namespace FROM identity.memberships WHERE account = $1
            """, r => r.GetString(0), ct, Text(account));

    /// <summary>Everything a repository decision needs, in one round trip: it is asked on every token request.</summary>
    public async Task<(bool IsAdmin, Role? Role, bool NamespaceIsPublic)> StandingAsync(string? account, string ns, CancellationToken ct)
    {
        var rows = await QueryAsync("""
            SELECT (SELECT is_admin FROM identity.accounts WHERE name = $1),
                   (SELECT role FROM identity.memberships WHERE account = $1 AND namespace = $2),
                   (SELECT public FROM identity.namespaces WHERE name = $2)
            """, r => (IsAdmin: !r.IsDBNull(0) && r.GetBoolean(0), Role: r.IsDBNull(1) ? (Role?)null : ParseRole(r.GetString(1)),
                Public: !r.IsDBNull(2) && r.GetBoolean(2)), ct, Text(account), ns);
        return rows[0];
    }

    // ------------------------------------------------------------------------------------------------ memberships

    public Task<IReadOnlyList<Membership>> MembersAsync(string ns, CancellationToken ct) =>
        QueryAsync("SELECT namespace, account, role FROM identity.memberships WHERE namespace = $1 ORDER BY account",
            r => new Membership { Namespace = r.GetString(0), Account = r.GetString(1), Role = ParseRole(r.GetString(2)) },
            ct, ns);

    /// <summary>Gives <paramref name="account"/> its role in <paramref name="ns"/>; false when either does not exist.</summary>
    public async Task<bool> SetMembershipAsync(string ns, string account, Role role, CancellationToken ct)
    {
        try
        {
            await ExecuteAsync("""
                INSERT INTO identity.memberships (namespace, account, role) VALUES ($1, $2, $3)
                ON CONFLICT (namespace, account) DO UPDATE SET role = excluded.role
                """, ct, ns, account, RoleName(role));
            return true;
        }
        catch (PostgresException e) when (e.SqlState == ForeignKeyViolation)
        {
            return false;
        }
    }

    public async Task<bool> RemoveMembershipAsync(string ns, string account, CancellationToken ct) =>
        await ExecuteAsync("DELETE FROM identity.memberships WHERE namespace = $1 AND account = $2", ct, ns, account) == 1;

    // ------------------------------------------------------------------------------------------------ access tokens

    public async Task<PersonalAccessToken?> FindTokenAsync(string id, CancellationToken ct)
    {
        var tokens = await QueryAsync(TokenColumns + " WHERE id = $1", ReadToken, ct, id);
        return tokens.Count == 0 ? null : tokens[0];
    }

    public Task<IReadOnlyList<PersonalAccessToken>> TokensOfAsync(string owner, CancellationToken ct) =>
        QueryAsync(TokenColumns + " WHERE owner = $1 ORDER BY created_at", ReadToken, ct, owner);

    public Task AddTokenAsync(PersonalAccessToken pat, CancellationToken ct) =>
        ExecuteAsync("""
            INSERT INTO identity.access_tokens (id, owner, name, secret_hash, created_at, expires_at, revoked_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, ct, pat.Id, pat.Owner, pat.Name, pat.SecretHash, pat.CreatedAt, Time(pat.ExpiresAt), Time(pat.RevokedAt));

    /// <summary>Revokes the token (the first revocation time stays); false when <paramref name="owner"/> has no such token.</summary>
    public async Task<bool> RevokeTokenAsync(string owner, string id, CancellationToken ct) =>
        await ExecuteAsync("UPDATE identity.access_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND owner = $2",
            ct, id, owner) == 1;

    // ------------------------------------------------------------------------------------------------ plumbing

    private const string AccountColumns = "SELECT name, kind, is_admin, secret_hash, security_stamp, created_at FROM identity.accounts";
    private const string TokenColumns = "SELECT id, owner, name, secret_hash, created_at, expires_at, revoked_at FROM identity.access_tokens";

    private static Account ReadAccount(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        Kind = r.GetString(1) == "robot" ? AccountKind.Robot : AccountKind.User,
        IsAdmin = r.GetBoolean(2),
        SecretHash = r.GetString(3),
        SecurityStamp = r.GetString(4),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(5),
    };

    private static PersonalAccessToken ReadToken(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        Owner = r.GetString(1),
        Name = r.GetString(2),
        SecretHash = r.GetString(3),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(4),
        ExpiresAt = r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5),
        RevokedAt = r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
    };

    private static string KindName(AccountKind kind) => kind == AccountKind.Robot ? "robot" : "user";
    private static string RoleName(Role role) => role.ToString().ToLowerInvariant();
    private static Role ParseRole(string value) => Enum.Parse<Role>(value, ignoreCase: true);
    // Typed, so that a null still tells PostgreSQL what it is.
    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object[] args)
    {
        await using var command = Command(sql, args);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
            rows.Add(read(reader));
        return rows;
    }

    private async Task<T> ScalarAsync<T>(string sql, CancellationToken ct, params object[] args)
    {
        await using var command = Command(sql, args);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object[] args)
    {
        await using var command = Command(sql, args);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }

    private NpgsqlCommand Command(string sql, object[] args)
    {
        var command = db.CreateCommand(sql);
        foreach (var arg in args)
            command.Parameters.Add(arg as NpgsqlParameter ?? new NpgsqlParameter { Value = arg });
        return command;
    }

    private const string Schema = """
        CREATE SCHEMA IF NOT EXISTS identity;
        CREATE TABLE IF NOT EXISTS identity.accounts (
            name           text PRIMARY KEY,
            kind           text NOT NULL CHECK (kind IN ('user', 'robot')),
            is_admin       boolean NOT NULL DEFAULT false,
            secret_hash    text NOT NULL,
            security_stamp text NOT NULL,
            created_at     timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS identity.namespaces (
            name       text PRIMARY KEY,
            public     boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS identity.memberships (
            namespace text NOT NULL REFERENCES identity.namespaces (name) ON DELETE CASCADE,
            account   text NOT NULL REFERENCES identity.accounts (name) ON DELETE CASCADE,
            role      text NOT NULL CHECK (role IN ('reader', 'developer', 'maintainer', 'owner')),
            PRIMARY KEY (namespace, account));
        CREATE INDEX IF NOT EXISTS memberships_account ON identity.memberships (account);
        CREATE TABLE IF NOT EXISTS identity.access_tokens (
            id          text PRIMARY KEY,
            owner       text NOT NULL REFERENCES identity.accounts (name) ON DELETE CASCADE,
            name        text NOT NULL,
            secret_hash text NOT NULL,
            created_at  timestamptz NOT NULL,
            expires_at  timestamptz,
            revoked_at  timestamptz);
        CREATE INDEX IF NOT EXISTS access_tokens_owner ON identity.access_tokens (owner);
        """;
}
