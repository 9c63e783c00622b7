using Npgsql;
using Platform.Gateway.Auth.Accounts;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Auth.Accounts;

/// <summary>The gateway's identity tables on a real PostgreSQL.</summary>
public sealed class IdentityStoreTests
{
    [Fact]
    public async Task Duplicates_and_unknown_names_are_refused_not_thrown()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.CreateAsync("identity"));
        var store = new IdentityStore(db);
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
