namespace Platform.Gateway.Auth.Accounts;

internal enum AccountKind
{
    User,
    Robot,
}

/// <summary>A user or robot account (a row of identity.accounts, see <see cref="IdentityStore"/>; the id is its name).</summary>
internal sealed class Account
{
    /// <summary>Robot names start with this, so they never clash with users: "robot$ci".</summary>
    public const string RobotPrefix = "robot$";

    public string Id { get; set; } = "";
    public AccountKind Kind { get; set; }
    public bool IsAdmin { get; set; }
    /// <summary>PBKDF2 hash (ASP.NET Core Identity's PasswordHasher) of the password or robot secret.</summary>
    public string SecretHash { get; set; } = "";
    /// <summary>Changes with the password: refresh tokens issued before stop working.</summary>
    public string SecurityStamp { get; set; } = Guid.NewGuid().ToString("N");
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A namespace: the first path segment of repository names. Public ones allow anonymous pull.</summary>
internal sealed class RegistryNamespace
{
    public string Id { get; set; } = "";
    public bool Public { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An account's role in a namespace (one per namespace and account).</summary>
internal sealed class Membership
{
    public string Namespace { get; set; } = "";
    public string Account { get; set; } = "";
    public Role Role { get; set; }
}

/// <summary>
/// A personal access token: "pat_&lt;id&gt;_&lt;secret&gt;", shown once; only a PBKDF2 hash of the secret is kept.
/// Accepted as the password of its owner at /token; revoking it refuses it and the access tokens made from it.
/// </summary>
internal sealed class PersonalAccessToken
{
    public string Id { get; set; } = "";
    public string Owner { get; set; } = "";
    public string Name { get; set; } = "";
    public string SecretHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
