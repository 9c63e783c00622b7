using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;

namespace Platform.Gateway.Auth;

/// <summary>Who an authenticated caller is: an account, and the personal access token it used, if any.</summary>
public sealed record AuthenticatedAccount(Account Account, string? PatId);

/// <summary>
/// Accounts, namespaces, memberships and personal access tokens in PostgreSQL (Marten documents, schema
/// "identity"), and the questions the gateway asks them: does this secret belong to that account, what may an
/// account do on a repository, which namespaces may it pull from.
/// </summary>
public sealed class IdentityDirectory(IDocumentStore store, IMemoryCache cache, ILogger<IdentityDirectory> logger)
{
    public const string PatPrefix = "pat_";
    private static readonly PasswordHasher<object> Hasher = new();
    // Verified against for unknown accounts, so an unknown name costs as much as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(new object(), Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
    private static readonly TimeSpan PatCacheTtl = TimeSpan.FromSeconds(10);

    public static string Hash(string secret) => Hasher.HashPassword(new object(), secret);

    private static bool Verify(string hash, string secret) =>
        Hasher.VerifyHashedPassword(new object(), hash, secret) != PasswordVerificationResult.Failed;

    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The account whose password (users, robots) or personal access token (users) this is; null otherwise.</summary>
    public async Task<AuthenticatedAccount?> AuthenticateAsync(string name, string secret, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var account = name.Length is > 0 and <= 128 ? await session.LoadAsync<Account>(name, ct) : null;
        if (account is null)
        {
            Verify(DummyHash, secret);
            return null;
        }
        if (account.Kind == AccountKind.User && secret.StartsWith(PatPrefix, StringComparison.Ordinal))
        {
            var parts = secret.Split('_', 3);
            var pat = parts.Length == 3 ? await session.LoadAsync<PersonalAccessToken>(parts[1], ct) : null;
            if (pat is null || pat.Owner != account.Id || !IsActive(pat) || !Verify(pat.SecretHash, parts[2]))
                return null;
            return new AuthenticatedAccount(account, pat.Id);
        }
        return Verify(account.SecretHash, secret) ? new AuthenticatedAccount(account, null) : null;
    }

    private static bool IsActive(PersonalAccessToken pat) =>
        pat.RevokedAt is null && (pat.ExpiresAt is null || pat.ExpiresAt > DateTimeOffset.UtcNow);

    /// <summary>Whether a personal access token is still usable (cached briefly; revocation here evicts at once).</summary>
    public async Task<bool> IsPatActiveAsync(string patId, CancellationToken ct)
    {
        if (cache.TryGetValue(CacheKey(patId), out bool active))
            return active;
        await using var session = store.QuerySession();
        var pat = await session.LoadAsync<PersonalAccessToken>(patId, ct);
        active = pat is not null && IsActive(pat);
        cache.Set(CacheKey(patId), active, PatCacheTtl);
        return active;
    }

    private static string CacheKey(string patId) => "pat:" + patId;

    public async Task<Account?> FindAccountAsync(string name, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Account>(name, ct);
    }

    /// <summary>What <paramref name="accountName"/> (null: anonymous) may do on <paramref name="repository"/>.</summary>
    public async Task<IReadOnlySet<string>> AllowedActionsAsync(string? accountName, string repository, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var ns = ScopeParser.NamespaceOf(repository);
        var space = await session.LoadAsync<RegistryNamespace>(ns, ct);
        Account? account = accountName is null ? null : await session.LoadAsync<Account>(accountName, ct);
        Membership? membership = account is null ? null : await session.LoadAsync<Membership>(Membership.IdOf(ns, account.Id), ct);
        return RolePolicy.Allowed(account?.IsAdmin == true, membership?.Role, space?.Public == true);
    }

    /// <summary>The namespaces <paramref name="accountName"/> (null: anonymous) may pull from; null means all (admins).</summary>
    public async Task<IReadOnlySet<string>?> PullableNamespacesAsync(string? accountName, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var account = accountName is null ? null : await session.LoadAsync<Account>(accountName, ct);
        if (account?.IsAdmin == true)
            return null;
        var names = new HashSet<string>(await session.Query<RegistryNamespace>().Where(n => n.Public).Select(n => n.Id).ToListAsync(ct),
            StringComparer.Ordinal);
        if (account is not null)
            names.UnionWith(await session.Query<Membership>().Where(m => m.Account == account.Id).Select(m => m.Namespace).ToListAsync(ct));
        return names;
    }

    /// <summary>Creates the first admin ("admin") when no admin account exists and a password is configured.</summary>
    public async Task EnsureAdminAsync(string? password, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        if (await session.Query<Account>().AnyAsync(a => a.IsAdmin, ct))
            return;
        if (string.IsNullOrEmpty(password))
        {
            logger.LogWarning("no admin account exists and Auth:AdminPassword is not set: nobody can administer the registry");
            return;
        }
        if (await session.LoadAsync<Account>("admin", ct) is { } existing)
        {
            existing.IsAdmin = true;
            session.Store(existing);
        }
        else
            session.Insert(new Account { Id = "admin", Kind = AccountKind.User, IsAdmin = true, SecretHash = Hash(password), CreatedAt = DateTimeOffset.UtcNow });
        try
        {
            await session.SaveChangesAsync(ct);
            logger.LogInformation("created the admin account \"admin\"");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Another gateway may have created it first (duplicate key); anything else is a real failure.
            await using var check = store.QuerySession();
            if (!await check.Query<Account>().AnyAsync(a => a.IsAdmin, ct))
                throw;
        }
    }

    /// <summary>Creates a personal access token for <paramref name="owner"/>; the returned string is shown once.</summary>
    public async Task<(PersonalAccessToken Token, string Secret)> CreatePatAsync(string owner, string name, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = NewSecret();
        var pat = new PersonalAccessToken
        {
            Id = id, Owner = owner, Name = name, SecretHash = Hash(secret), CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = expiresAt,
        };
        await using var session = store.LightweightSession();
        session.Insert(pat);
        await session.SaveChangesAsync(ct);
        return (pat, $"{PatPrefix}{id}_{secret}");
    }

    public async Task<bool> RevokePatAsync(string owner, string id, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var pat = await session.LoadAsync<PersonalAccessToken>(id, ct);
        if (pat is null || pat.Owner != owner)
            return false;
        pat.RevokedAt ??= DateTimeOffset.UtcNow;
        session.Store(pat);
        await session.SaveChangesAsync(ct);
        cache.Set(CacheKey(id), false, PatCacheTtl);
        return true;
    }
}
