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

/// <summary>"Auth:RateLimit": request budgets per account and per client address, and the login throttle.</summary>
internal sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Token bucket per account (authenticated) or per client address (anonymous).</summary>
    public int PermitsPerSecond { get; set; } = 5000;
    public int Burst { get; set; } = 10000;

    /// <summary>Failed logins per (account, client address) that cost nothing: typos, an old password in a script.</summary>
    public int FreeFailedLogins { get; set; } = 5;

    /// <summary>The back-off after the first failure past the free ones; it doubles with each further failure.</summary>
    public TimeSpan LoginBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off: a guesser gets about four tries an hour at one address.</summary>
    public TimeSpan MaxLoginBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Failures for one account, from all addresses within <see cref="FailureWindow"/>, after which every address's
    /// first failure for it is backed off (no free ones): an attack from many addresses is slowed too.
    /// </summary>
    public int AccountFailureThreshold { get; set; } = 20;

    /// <summary>How long failures are remembered: a pair without a failure for this long starts again.</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromHours(1);
}
