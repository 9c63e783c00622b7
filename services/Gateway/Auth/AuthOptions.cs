namespace Platform.Gateway.Auth;

/// <summary>Configuration section "Auth" of the gateway.</summary>
internal sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>false: no authentication, every request passes anonymously (test fixtures that are not about auth, local experiments).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The token's audience and the challenge's service parameter.</summary>
    public string Service { get; set; } = "platform-registry";

    /// <summary>The token's issuer.</summary>
    public string Issuer { get; set; } = "platform-token-issuer";

    /// <summary>Absolute token endpoint URL for the challenge; empty: derived from the request (scheme://host/token).</summary>
    public string? Realm { get; set; }

    /// <summary>Where the ES256 signing keys are kept; empty: a "keys" folder under the app's data directory.</summary>
    public string? KeyDirectory { get; set; }

    /// <summary>Password of the first admin ("admin"), created at start when no admin exists.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>Shared secret for the signed X-Platform-Actor header the backends trust.</summary>
    public string? InternalKey { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    public RateLimitOptions RateLimit { get; set; } = new();
}

/// <summary>"Auth:RateLimit": request budgets per account and per client address, and the login lockout.</summary>
internal sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Token bucket per account (authenticated) or per client address (anonymous).</summary>
    public int PermitsPerSecond { get; set; } = 5000;
    public int Burst { get; set; } = 10000;

    /// <summary>Consecutive failed logins (per account and per address) after which /token answers 429.</summary>
    public int MaxFailedLogins { get; set; } = 20;

    /// <summary>How long a locked account or address stays locked (counted from its last failure).</summary>
    public TimeSpan LockoutWindow { get; set; } = TimeSpan.FromMinutes(5);
}
