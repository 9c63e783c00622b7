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

    // A client sends the same access token with every request of a push or pull (a small image is a dozen), and
    // the full validation (JWT parsing, an ECDSA verification, the claims read back) was repeated for each. A token
    // that validated is remembered until it expires, with the key that signed it: a hit is taken only while that
    // key is still known, so a retired key ends its tokens as before. Bounded (a token is about a kilobyte): when
    // full, expired entries go, and if that is not enough, all of them.
    private const int RememberedTokens = 1024;
    private readonly ConcurrentDictionary<string, Remembered> _validated = new(StringComparer.Ordinal);

    private sealed record Remembered(AccessToken Token, string Kid, SecurityKey Key, DateTime Expires);

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
        if (_validated.TryGetValue(token, out var seen))
        {
            // The same lifetime rule as a full validation (expiry plus the clock skew); not-before was met already.
            if (time.GetUtcNow().UtcDateTime <= seen.Expires + ClockSkew && ReferenceEquals(keys.Find(seen.Kid)?.Key, seen.Key))
                return seen.Token;
            _validated.TryRemove(token, out _);
        }
        var jwt = await ValidateAsync(token, AccessType);
        if (jwt is null)
            return null;
        var validated = ReadAccess(jwt);
        if (keys.Find(jwt.Kid) is { } signer)
            Remember(token, new Remembered(validated, jwt.Kid, signer.Key, jwt.ValidTo));
        return validated;
    }

    private void Remember(string token, Remembered entry)
    {
        if (_validated.Count >= RememberedTokens)
        {
            var now = time.GetUtcNow().UtcDateTime;
            foreach (var (key, value) in _validated)
                if (now > value.Expires + ClockSkew)
                    _validated.TryRemove(key, out _);
            if (_validated.Count >= RememberedTokens)
                _validated.Clear();
        }
        _validated[token] = entry;
    }

    private static AccessToken ReadAccess(JsonWebToken jwt)
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
