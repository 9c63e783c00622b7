using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Gateway.Auth.Tokens;

/// <summary>A validated access token: who (null sub: anonymous) and what it grants.</summary>
internal sealed record AccessToken(string? Subject, IReadOnlyList<AccessEntry> Access, string? PatId, string Id)
{
    public bool Allows(string type, string name, string action) => Access.Any(a => a.Allows(type, name, action));
}

/// <summary>A validated refresh token.</summary>
internal sealed record RefreshToken(string Subject, string SecurityStamp, string? PatId);

/// <summary>
/// Issues and validates the registry's tokens: short-lived ES256 JWTs as in the Docker token authentication
/// spec (iss, sub, aud = service, exp, nbf, iat, jti and the "access" claim) with the signing key's kid, and
/// long-lived refresh tokens (typ "rt+jwt", so one can never pass for the other).
/// </summary>
internal sealed class TokenService(SigningKeys keys, IOptions<AuthOptions> options, TimeProvider time)
{
    public const string AccessType = "JWT";
    public const string RefreshType = "rt+jwt";
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private AuthOptions Options => options.Value;

    /// <summary>How many validated access tokens are remembered at most (a token is about 1 KiB).</summary>
    public const int MaxRememberedTokens = 1024;

    /// <summary>Longer tokens (many scopes) are validated every time: the cache's memory stays a few MiB at most.</summary>
    public const int MaxRememberedLength = 2048;

    // A client sends the same token with every request of a pull (a CI job's hundreds of blob and manifest GETs within
    // the token's few minutes): the signature check and the claims' parse took more of the gateway's time per
    // manifest GET than anything else it does itself. A token once validated is remembered until it expires; the
    // exact string is the key, so nothing else can match it. Each use checks the lifetime again, and that the key
    // that signed it is still one of the signing keys (a removed key ends its tokens at once, as without the cache).
    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

    // From and Until include the clock skew the validation allows.
    /// <summary>Validated tokens remembered now (for tests and diagnostics).</summary>
    internal int RememberedTokens => _validated.Count;

    private sealed record Validated(AccessToken Token, SigningKeys.SigningKey Key, DateTime FromUtc, DateTime UntilUtc);

    public (string Token, DateTimeOffset IssuedAt, TimeSpan Lifetime) IssueAccess(string? subject, IReadOnlyList<AccessEntry> access, string? patId)
    {
        var now = time.GetUtcNow();
        var lifetime = Options.AccessTokenLifetime;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Jti] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
            ["access"] = JsonSerializer.SerializeToElement(access.Select(a => new { type = a.Type, name = a.Name, actions = a.Actions })),
        };
        if (patId is not null)
            claims["pat"] = patId;
        return (Create(subject ?? "", claims, now, lifetime, AccessType), now, lifetime);
    }

    public string IssueRefresh(string subject, string securityStamp, string? patId)
    {
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Jti] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
            ["stamp"] = securityStamp,
        };
        if (patId is not null)
            claims["pat"] = patId;
        return Create(subject, claims, time.GetUtcNow(), Options.RefreshTokenLifetime, RefreshType);
    }

    private string Create(string subject, Dictionary<string, object> claims, DateTimeOffset now, TimeSpan lifetime, string type)
    {
        var key = keys.Current;
        claims[JwtRegisteredClaimNames.Sub] = subject;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Options.Issuer,
            Audience = Options.Service,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            TokenType = type,
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.EcdsaSha256),
        });
    }

    public async Task<AccessToken?> ValidateAccessAsync(string token)
    {
        if (_validated.TryGetValue(token, out var known))
        {
            if (StillValid(known))
                return known.Token;
            _validated.TryRemove(token, out _);
        }
        var jwt = await ValidateAsync(token, AccessType);
        if (jwt is null)
            return null;
        var access = ParseAccess(jwt);
        if (token.Length <= MaxRememberedLength && keys.Find(jwt.Kid) is { } key)
        {
            // No nbf (DateTime.MinValue) means valid from the start; exp is required, so ValidTo is a real time.
            var from = jwt.ValidFrom == DateTime.MinValue ? DateTime.MinValue : jwt.ValidFrom - ClockSkew;
            var until = jwt.ValidTo > DateTime.MaxValue - ClockSkew ? DateTime.MaxValue : jwt.ValidTo + ClockSkew;
            Remember(token, new Validated(access, key, from, until));
        }
        return access;
    }

    private bool StillValid(Validated known)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (now > known.UntilUtc || now < known.FromUtc)
            return false;
        // The very key object: a reload of the key directory makes new ones, and the token is simply checked again.
        foreach (var key in keys.All)
            if (ReferenceEquals(key, known.Key))
                return true;
        return false;
    }

    private void Remember(string token, Validated validated)
    {
        if (_validated.Count >= MaxRememberedTokens)
        {
            // Expired ones first; when every remembered token is still valid (many clients at once), start over rather
            // than grow: forgetting costs one signature check per client.
            foreach (var (stale, entry) in _validated)
                if (!StillValid(entry))
                    _validated.TryRemove(stale, out _);
            if (_validated.Count >= MaxRememberedTokens)
                _validated.Clear();
        }
        _validated[token] = validated;
    }

    private static AccessToken ParseAccess(JsonWebToken jwt)
    {
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload)).RootElement;
        var access = new List<AccessEntry>();
        if (payload.TryGetProperty("access", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String)
                    continue;
                var actions = item.TryGetProperty("actions", out var a) && a.ValueKind == JsonValueKind.Array
                    ? a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
                    : [];
                access.Add(new AccessEntry(t.GetString()!, n.GetString()!, actions));
            }
        var sub = jwt.Subject;
        return new AccessToken(string.IsNullOrEmpty(sub) ? null : sub, access,
            jwt.TryGetPayloadValue<string>("pat", out var pat) ? pat : null, jwt.Id);
    }

    public async Task<RefreshToken?> ValidateRefreshAsync(string token)
    {
        var jwt = await ValidateAsync(token, RefreshType);
        if (jwt is null || string.IsNullOrEmpty(jwt.Subject) || !jwt.TryGetPayloadValue<string>("stamp", out var stamp))
            return null;
        return new RefreshToken(jwt.Subject, stamp, jwt.TryGetPayloadValue<string>("pat", out var pat) ? pat : null);
    }

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private async Task<JsonWebToken?> ValidateAsync(string token, string type)
    {
        if (token.Length > 16 * 1024)
            return null;
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Options.Issuer,
            ValidAudience = Options.Service,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = [type],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = ClockSkew,
            LifetimeValidator = (nbf, exp, _, p) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return exp is { } e && now <= e + p.ClockSkew && (nbf is not { } n || now >= n - p.ClockSkew);
            },
            // Only the key the token names: an unknown kid is refused, never tried against every key.
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, _, kid, _) => keys.Find(kid) is { } k ? [k.Key] : [],
        });
        return result.IsValid ? result.SecurityToken as JsonWebToken : null;
    }
}
