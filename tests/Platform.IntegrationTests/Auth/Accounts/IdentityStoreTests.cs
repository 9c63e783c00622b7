using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Gateway.Auth.Accounts;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Auth.Accounts;

/// <summary>The gateway's identity tables on a real PostgreSQL, including the move from the Marten documents.</summary>
public sealed class IdentityStoreTests
{
    [Fact]
    public async Task Accounts_kept_as_Marten_documents_move_into_the_tables_once()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.CreateAsync("identity"));
        // What Marten wrote before: one table per document type, JSON with PascalCase properties and enums as numbers.
        await using (var seed = db.CreateCommand("""
            CREATE SCHEMA identity;
            CREATE TABLE identity.mt_doc_account (id varchar PRIMARY KEY, data jsonb NOT NULL);
            CREATE TABLE identity.mt_doc_registrynamespace (id varchar PRIMARY KEY, data jsonb NOT NULL);
            CREATE TABLE identity.mt_doc_membership (id varchar PRIMARY KEY, data jsonb NOT NULL);
            CREATE TABLE identity.mt_doc_personalaccesstoken (id varchar PRIMARY KEY, data jsonb NOT NULL);
            INSERT INTO identity.mt_doc_account VALUES
              ('admin', '{"Id": "admin", "Kind": 0, "IsAdmin": true, "SecretHash": "h1", "SecurityStamp": "s1", "CreatedAt": "2026-01-02T03:04:05+00:00"}'),
              ('robot$ci', '{"Id": "robot$ci", "Kind": 1, "IsAdmin": false, "SecretHash": "h2", "SecurityStamp": "s2", "CreatedAt": "2026-01-02T03:04:05+00:00"}');
            INSERT INTO identity.mt_doc_registrynamespace VALUES ('team', '{"Id": "team", "Public": true, "CreatedAt": "2026-01-02T03:04:05+00:00"}');
            INSERT INTO identity.mt_doc_membership VALUES
              ('team|robot$ci', '{"Id": "team|robot$ci", "Namespace": "team", "Account": "robot$ci", "Role": 2}'),
              ('team|gone', '{"Id": "team|gone", "Namespace": "team", "Account": "gone", "Role": 3}');
            INSERT INTO identity.mt_doc_personalaccesstoken VALUES
              ('abc', '{"Id": "abc", "Owner": "admin", "Name": "laptop", "SecretHash": "h3", "CreatedAt": "2026-01-02T03:04:05+00:00", "ExpiresAt": null, "RevokedAt": "2026-02-01T00:00:00+00:00"}');
            """))
            await seed.ExecuteNonQueryAsync();

        var store = new IdentityStore(db, NullLogger<IdentityStore>.Instance);
        await store.EnsureSchemaAsync(CancellationToken.None);

        var admin = await store.FindAccountAsync("admin", CancellationToken.None);
        Assert.NotNull(admin);
        Assert.True(admin.IsAdmin);
        Assert.Equal(("h1", "s1", AccountKind.User), (admin.SecretHash, admin.SecurityStamp, admin.Kind));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), admin.CreatedAt);
        Assert.Equal(["robot$ci"], (await store.AccountsAsync(AccountKind.Robot, CancellationToken.None)).Select(a => a.Id));
        // The membership of an account that no longer exists is not carried over.
        var members = await store.MembersAsync("team", CancellationToken.None);
        Assert.Equal([("robot$ci", Role.Maintainer)], members.Select(m => (m.Account, m.Role)));
        Assert.Equal((false, Role.Maintainer, true), await store.StandingAsync("robot$ci", "team", CancellationToken.None));
        var token = await store.FindTokenAsync("abc", CancellationToken.None);
        Assert.Equal(("admin", "laptop", (DateTimeOffset?)null), (token!.Owner, token.Name, token.ExpiresAt));
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), token.RevokedAt);

        // The documents are gone, so a second start (or a second gateway) cannot bring back what was deleted since.
        Assert.True(await store.DeleteAccountAsync("robot$ci", AccountKind.Robot, CancellationToken.None));
        await store.EnsureSchemaAsync(CancellationToken.None);
        Assert.Null(await store.FindAccountAsync("robot$ci", CancellationToken.None));
        Assert.Empty(await store.MembersAsync("team", CancellationToken.None));
        await using var left = db.CreateCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'identity' AND tablename LIKE 'mt_doc_%'");
        Assert.Equal(0L, await left.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Duplicates_and_unknown_names_are_refused_not_thrown()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.CreateAsync("identity"));
        var store = new IdentityStore(db, NullLogger<IdentityStore>.Instance);
        await store.EnsureSchemaAsync(CancellationToken.None);
        var ct = CancellationToken.None;
        var now = DateTimeOffset.UtcNow;

        Assert.True(await store.TryAddAccountAsync(new Account { Id = "ann", SecretHash = "x", CreatedAt = now }, ct));
        Assert.False(await store.TryAddAccountAsync(new Account { Id = "ann", SecretHash = "y", CreatedAt = now }, ct));
        Assert.True(await store.TryAddNamespaceAsync(new RegistryNamespace { Id = "team", CreatedAt = now }, ct));
        Assert.False(await store.TryAddNamespaceAsync(new RegistryNamespace { Id = "team", Public = true, CreatedAt = now }, ct));
        Assert.False(await store.SetMembershipAsync("team", "nobody", Role.Reader, ct));
        Assert.False(await store.SetMembershipAsync("nowhere", "ann", Role.Reader, ct));
        Assert.True(await store.SetMembershipAsync("team", "ann", Role.Reader, ct));
        Assert.True(await store.SetMembershipAsync("team", "ann", Role.Owner, ct));
        Assert.Equal((false, Role.Owner, false), await store.StandingAsync("ann", "team", ct));
        Assert.Equal((false, (Role?)null, false), await store.StandingAsync(null, "team", ct));
        Assert.Equal(["team"], await store.PullableNamespacesAsync("ann", ct));
        Assert.Empty(await store.PullableNamespacesAsync(null, ct));
        Assert.False(await store.SetSecretAsync("ann", AccountKind.Robot, "z", ct));
        Assert.False(await store.RevokeTokenAsync("ann", "missing", ct));
        Assert.False(await store.RemoveMembershipAsync("team", "nobody", ct));
    }
}
