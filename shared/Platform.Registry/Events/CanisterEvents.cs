namespace Platform.Registry.Events;

/// <summary>
/// A canister module artifact's manifest <paramref name="Digest"/> was pushed to repository <paramref name="Repository"/>
/// (the module's name), appended with its <see cref="ManifestPushed"/> in one transaction. What a deploy needs to pick
/// it: the git-like metadata, the SHA-256 of the uncompressed module (the IC's module_hash of what is installed), the
/// layer holding it, and the Candid interface (the config's, else the module's <c>candid:service</c> section).
/// </summary>
public sealed record CanisterVersionPushed(
    string Repository,
    string Digest,
    string Branch,
    string? Tag,
    string Commit,
    string ModuleHash,
    string ModuleDigest,
    string ModuleMediaType,
    long ModuleSize,
    string? Candid,
    string? Source,
    DateTimeOffset? Built,
    string? Builder,
    string PushedBy);

/// <summary>
/// The stored module of version <paramref name="Digest"/> no longer hashes to its <paramref name="ModuleHash"/>
/// (<paramref name="Found"/> is what it hashed to, or why it could not be read): a deploy must refuse it.
/// </summary>
public sealed record CanisterVersionCorrupted(string Repository, string Digest, string ModuleHash, string Found);
