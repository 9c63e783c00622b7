using Platform.Registry.ReadModels;

namespace Platform.Metadata.Canisters;

// The response shapes of /api/v1/canisters, serialized camelCase by the minimal-API defaults.

/// <param name="Size">The uncompressed module's size in bytes (what the engine installs).</param>
/// <param name="Cid">The module layer's IPFS CID once pinned; with <paramref name="IpfsMode"/> "encrypted" it names ciphertext.</param>
public sealed record VersionView(
    string Digest,
    string ModuleHash,
    long Size,
    string Branch,
    string? Tag,
    string Commit,
    DateTimeOffset PushedAt,
    string PushedBy,
    string? Cid,
    string? IpfsMode,
    bool HasCandid,
    bool Corrupted,
    string ModuleDigest,
    string ModuleMediaType,
    string? Source,
    DateTimeOffset? Built,
    string? Builder)
{
    public static VersionView Of(CanisterVersion v, BlobRecord? layer) => new(
        v.Digest, v.ModuleHash, v.ModuleSize, v.Branch, v.Tag, v.Commit, v.PushedAt, v.PushedBy, layer?.Cid,
        layer?.Cid is null ? null : layer.IpfsMode ?? Registry.Events.PinModes.Public, v.Candid is not null, v.Corrupted,
        v.ModuleDigest, v.ModuleMediaType, v.Source, v.Built, v.Builder);
}

public sealed record BranchHead(string Branch, VersionView Latest);

public sealed record CanisterSummary(string Name, int VersionCount, DateTimeOffset LastPushAt, IReadOnlyList<BranchHead> Branches);

public sealed record CanisterList(IReadOnlyList<CanisterSummary> Canisters, string? Next);

public sealed record VersionList(string Name, IReadOnlyList<VersionView> Versions, string? Next);

public sealed record Resolution(string Name, string Selector, DateTimeOffset? At, VersionView Version);
