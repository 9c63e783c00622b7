using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;
using Platform.Gateway.Auth.Tokens;

namespace Platform.Gateway.Auth.Accounts;

/// <summary>Who an authenticated caller is: an account, and the personal access token it used, if any.</summary>
internal sealed record AuthenticatedAccount(Account Account, string? PatId);

/// <summary>
/// Accounts, namespaces, memberships and personal access tokens (<see cref="IdentityStore"/>), and the questions
/// the gateway asks them: does this secret belong to that account, what may an
/// account do on a repository, which namespaces may it pull from.
/// </summary>
internal sealed class IdentityDirectory(IdentityStore store, IMemoryCache cache, ILogger<IdentityDirectory> logger)
{
    public const string PatPrefix = "pat_";
    private static readonly PasswordHasher<object> Hasher = new();
    // Verified against for unknown accounts, so an unknown name costs as much as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(new object(), Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
    private static readonly TimeSpan PatCacheTtl = TimeSpan.FromSeconds(10);

    // Secrets that verified, remembered briefly. PBKDF2 (ASP.NET Identity: 100,000 rounds of HMAC-SHA512) is slow on
    // purpose, about 75 ms of CPU here, and clients ask for a token with Basic credentials for every scope of every
    // process: 50 concurrent skopeo pushes spent 5 s of the gateway's CPU in password checks alone. An entry is
    // keyed by an HMAC (per-process key) of name and secret, never the secret, and holds the stored hash it was
    // checked against, so a changed password or a revoked token no longer matches. Failures are never remembered:
    // a wrong guess always pays the full hash (and the login throttle).
    private static readonly byte[] VerifiedKey = RandomNumberGenerator.GetBytes(32);
    private static readonly TimeSpan VerifiedTtl = TimeSpan.FromMinutes(2);

    public static string Hash(string secret) => Hasher.HashPassword(new object(), secret);

    private static bool Verify(string hash, string secret) =>
        Hasher.VerifyHashedPassword(new object(), hash, secret) != PasswordVerificationResult.Failed;

    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The account whose password (users, robots) or personal access token (users) this is; null otherwise.</summary>
    public async Task<AuthenticatedAccount?> AuthenticateAsync(string name, string secret, CancellationToken ct)
    {
        var account = name.Length is > 0 and <= 128 ? await store.FindAccountAsync(name, ct) : null;
        if (account is null)
        {
            Verify(DummyHash, secret);
            return null;
        }
        if (account.Kind == AccountKind.User && secret.StartsWith(PatPrefix, StringComparison.Ordinal))
        {
            var parts = secret.Split('_', 3);
            var pat = parts.Length == 3 ? await store.FindTokenAsync(parts[1], ct) : null;
            if (pat is null || pat.Owner != account.Id || !IsActive(pat) || !VerifyRemembered(pat.SecretHash, name, secret, parts[2]))
                return null;
            return new AuthenticatedAccount(account, pat.Id);
        }
        return VerifyRemembered(account.SecretHash, name, secret, secret) ? new AuthenticatedAccount(account, null) : null;
    }

    /// <param name="presented">What the caller sent (the cache key).</param>
    /// <param name="hashed">The part of it the stored hash is of (a token's secret part; a password whole).</param>
    private bool VerifyRemembered(string storedHash, string name, string presented, string hashed)
    {
        var key = "verified:" + Convert.ToBase64String(HMACSHA256.HashData(VerifiedKey, Encoding.UTF8.GetBytes(name + "\n" + presented)));
        if (cache.TryGetValue(key, out string? verifiedAgainst) && verifiedAgainst == storedHash)
            return true;
        if (!Verify(storedHash, hashed))
            return false;
        cache.Set(key, storedHash, VerifiedTtl);
        return true;
    }

    private static bool IsActive(PersonalAccessToken pat) =>
        pat.RevokedAt is null && (pat.ExpiresAt is null || pat.ExpiresAt > DateTimeOffset.UtcNow);

    /// <summary>Whether a personal access token is still usable (cached briefly; revocation here evicts at once).</summary>
    public async Task<bool> IsPatActiveAsync(string patId, CancellationToken ct)
    {
        if (cache.TryGetValue(CacheKey(patId), out bool active))
            return active;
        var pat = await store.FindTokenAsync(patId, ct);
        active = pat is not null && IsActive(pat);
        cache.Set(CacheKey(patId), active, PatCacheTtl);
        return active;
    }

    private static string CacheKey(string patId) => "pat:" + patId;

    public Task<Account?> FindAccountAsync(string name, CancellationToken ct) => store.FindAccountAsync(name, ct);

    /// <summary>What <paramref name="accountName"/> (null: anonymous) may do on <paramref name="repository"/>.</summary>
    public async Task<IReadOnlySet<string>> AllowedActionsAsync(string? accountName, string repository, CancellationToken ct)
    {
        var (isAdmin, role, isPublic) = await store.StandingAsync(accountName, ScopeParser.NamespaceOf(repository), ct);
        return RolePolicy.Allowed(isAdmin, role, isPublic);
    }

    /// <summary>The namespaces <paramref name="accountName"/> (null: anonymous) may pull from; null means all (admins).</summary>
    public async Task<IReadOnlySet<string>?> PullableNamespacesAsync(string? accountName, CancellationToken ct)
    {
        var account = accountName is null ? null : await store.FindAccountAsync(accountName, ct);
        if (account?.IsAdmin == true)
            return null;
        return new HashSet<string>(await store.PullableNamespacesAsync(account?.Id, ct), StringComparer.Ordinal);
    }

    /// <summary>Creates the first admin ("admin") when no admin account exists and a password is configured.</summary>
    public async Task EnsureAdminAsync(string? password, CancellationToken ct)
    {
        if (await store.AnyAdminAsync(ct))
            return;
        if (string.IsNullOrEmpty(password))
        {
            AuthLog.NoAdminPassword(logger);
            return;
        }
        // Another gateway may create it at the same moment: then the insert finds it, and it is made admin.
        var admin = new Account { Id = "admin", Kind = AccountKind.User, IsAdmin = true, SecretHash = Hash(password), CreatedAt = DateTimeOffset.UtcNow };
        if (await store.TryAddAccountAsync(admin, ct))
            AuthLog.AdminCreated(logger);
        else
            await store.MakeAdminAsync("admin", ct);
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
        await store.AddTokenAsync(pat, ct);
        return (pat, $"{PatPrefix}{id}_{secret}");
    }

    public async Task<bool> RevokePatAsync(string owner, string id, CancellationToken ct)
    {
        if (!await store.RevokeTokenAsync(owner, id, ct))
            return false;
        cache.Set(CacheKey(id), false, PatCacheTtl);
        return true;
    }
}
