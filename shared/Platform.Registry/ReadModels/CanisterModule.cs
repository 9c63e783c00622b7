using Marten.Events.Projections;
using Platform.Registry.Events;

namespace Platform.Registry.ReadModels;

/// <summary>
/// A canister module (one repository) and its versions, as the platform API and deploys read them. Projected inline
/// from the repository stream's canister events; folded from the same stream up to a time for time travel
/// (<see cref="Apply(ManifestDeleted, DateTimeOffset)"/> only matters there: the live document leaves deleted
/// manifests to <see cref="RepositoryState.Manifests"/>).
/// </summary>
public sealed class CanisterModule
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public Dictionary<string, CanisterVersion> Versions { get; set; } = new(StringComparer.Ordinal);

    public void Apply(CanisterVersionPushed e, DateTimeOffset at)
    {
        Id = Name = e.Repository;
        // The same manifest pushed again after a deletion is a new push; a retry of a live one is not recorded twice.
        Versions[e.Digest] = new CanisterVersion
        {
            Digest = e.Digest, Branch = e.Branch, Tag = e.Tag, Commit = e.Commit, ModuleHash = e.ModuleHash,
            ModuleDigest = e.ModuleDigest, ModuleMediaType = e.ModuleMediaType, ModuleSize = e.ModuleSize,
            Candid = e.Candid, Source = e.Source, Built = e.Built, Builder = e.Builder, PushedAt = at, PushedBy = e.PushedBy,
        };
    }

    public void Apply(CanisterVersionCorrupted e, DateTimeOffset at)
    {
        if (Versions.TryGetValue(e.Digest, out var version))
        {
            version.Corrupted = true;
            version.CorruptedAt ??= at;
        }
    }

    public void Apply(ManifestDeleted e, DateTimeOffset at)
    {
        if (Versions.TryGetValue(e.Digest, out var version))
            version.DeletedAt = at;
    }
}

public sealed class CanisterVersion
{
    public string Digest { get; set; } = "";
    public string Branch { get; set; } = "";
    public string? Tag { get; set; }
    public string Commit { get; set; } = "";
    public string ModuleHash { get; set; } = "";
    public string ModuleDigest { get; set; } = "";
    public string ModuleMediaType { get; set; } = "";
    /// <summary>The uncompressed module's size.</summary>
    public long ModuleSize { get; set; }
    public string? Candid { get; set; }
    public string? Source { get; set; }
    public DateTimeOffset? Built { get; set; }
    public string? Builder { get; set; }
    public DateTimeOffset PushedAt { get; set; }
    public string PushedBy { get; set; } = "";
    public bool Corrupted { get; set; }
    public DateTimeOffset? CorruptedAt { get; set; }
    /// <summary>Set only in a time-travel fold: when the manifest was deleted.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
}

/// <summary>One document per canister repository, from the canister events only (image repositories get none).</summary>
public sealed class CanisterModuleProjection : MultiStreamProjection<CanisterModule, string>
{
    public CanisterModuleProjection()
    {
        Identity<CanisterVersionPushed>(e => e.Repository);
        Identity<CanisterVersionCorrupted>(e => e.Repository);
    }

    public static CanisterModule Apply(JasperFx.Events.IEvent<CanisterVersionPushed> e, CanisterModule m)
    {
        m.Apply(e.Data, e.Timestamp);
        return m;
    }

    public static CanisterModule Apply(JasperFx.Events.IEvent<CanisterVersionCorrupted> e, CanisterModule m)
    {
        m.Apply(e.Data, e.Timestamp);
        return m;
    }
}
