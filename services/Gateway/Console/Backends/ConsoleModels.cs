using System.Text.Json;

namespace Platform.Gateway.Console.Backends;

// What the console reads from the backends: their JSON (camelCase) as the platform API answers it. Public only
// because Razor components (public classes) take them as parameters; nothing outside the gateway uses them.

public sealed record RepositoryPage(IReadOnlyList<RepositoryItem> Repositories, string? Next);

public sealed record RepositoryItem(string Name, int TagCount, int ManifestCount, int BlobCount, long Size, DateTimeOffset? LastPushAt);

public sealed record RepositoryDetails(string Name, IReadOnlyList<TagItem> Tags, IReadOnlyList<ManifestItem> Manifests,
    IReadOnlyList<BlobItem> Blobs, long Size, DateTimeOffset? LastPushAt);

public sealed record TagItem(string Tag, string Digest);

public sealed record ManifestItem(string Digest, string MediaType, long Size, DateTimeOffset PushedAt, IReadOnlyList<string> Tags);

public sealed record BlobItem(string Digest, long Size);

/// <summary>A blob's IPFS state: <see cref="Cid"/> is null until it is pinned; <see cref="IpfsMode"/> public or encrypted.</summary>
public sealed record BlobState(string Digest, long Size, string? Cid, bool Pinned, DateTimeOffset? PinnedAt, string? IpfsMode);

public sealed record AuditEvent(long Sequence, Guid EventId, DateTimeOffset OccurredAt, string Actor, string? ClientAddress,
    string? UserAgent, string Action, string? Repository, string? Digest, string? Tag, string? RequestId, string Hash);

public sealed record AuditPage(IReadOnlyList<AuditEvent> Events, string? NextCursor);

/// <summary>The chain's state: valid, or where it first breaks.</summary>
public sealed record AuditVerify(bool Valid, long Checked, long? FirstInvalidSequence);

/// <summary>One manifest as the console shows it: an image's config and layers, or an index's children, expanded.</summary>
public sealed record ManifestView(string Digest, string MediaType, long Size, string? ArtifactType, PlatformInfo? Platform,
    IReadOnlyList<LayerView> Layers, LayerView? Config, IReadOnlyList<ManifestView> Children, IReadOnlyList<ReferrerView> Referrers,
    IReadOnlyDictionary<string, string> Annotations)
{
    public bool IsIndex => Children.Count > 0 || MediaType.Contains("index", StringComparison.Ordinal)
        || MediaType.Contains("manifest.list", StringComparison.Ordinal);

    public long LayerBytes => Layers.Sum(l => l.Size);
}

public sealed record PlatformInfo(string? Os, string? Architecture, string? Variant)
{
    public override string ToString() => string.Join('/', new[] { Os, Architecture, Variant }.Where(p => !string.IsNullOrEmpty(p)));
}

/// <summary>A blob a manifest names, with what the registry knows of it (null: the repository does not link it).</summary>
public sealed record LayerView(string Digest, string MediaType, long Size, BlobState? State);

public sealed record ReferrerView(string Digest, string MediaType, string? ArtifactType, long Size, IReadOnlyDictionary<string, string> Annotations);

/// <summary>A backend's answer: the value, or the status and the problem's message when there is none.</summary>
public sealed record BackendResult<T>(T? Value, int Status, string? Problem)
{
    public bool Ok => Value is not null;

    public static BackendResult<T> Of(T value) => new(value, 200, null);
}

internal static class ConsoleJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
