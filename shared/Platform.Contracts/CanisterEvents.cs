namespace Platform.Contracts;

/// <summary>
/// A canister module version was pushed: manifest <paramref name="Digest"/> of module <paramref name="Repository"/>, on
/// <paramref name="Branch"/> at <paramref name="Commit"/>, with the SHA-256 of its uncompressed module.
/// </summary>
public sealed record CanisterVersionPushedV1(
    EventMetadata Meta, string Repository, string Digest, string Branch, string? Tag, string Commit, string ModuleHash) : IPlatformEvent;

/// <summary>A version's stored module no longer hashes to its module hash (<paramref name="Found"/>): deploys refuse it.</summary>
public sealed record CanisterVersionCorruptedV1(EventMetadata Meta, string Repository, string Digest, string ModuleHash, string Found) : IPlatformEvent;
