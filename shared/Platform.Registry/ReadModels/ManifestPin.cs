using Marten.Events.Aggregation;
using Platform.Registry.Events;

namespace Platform.Registry.ReadModels;

/// <summary>
/// Where a manifest's bytes are on IPFS, per digest. Kept apart from <see cref="ManifestRecord"/> (the local copy,
/// per repository), so that the CID outlives that record: a manifest whose record is lost is served from here.
/// </summary>
public sealed class ManifestPin
{
    public string Id { get; set; } = "";
    public string Digest { get; set; } = "";
    public long Size { get; set; }
    public string? Cid { get; set; }
    public bool Pinned { get; set; }
    public DateTimeOffset? PinnedAt { get; set; }

    /// <summary>What <see cref="Cid"/> names: the manifest as it is ("public") or its ciphertext ("encrypted").</summary>
    public string? IpfsMode { get; set; }

    /// <summary>For an encrypted pin, the namespace whose key wraps the manifest's data key.</summary>
    public string? KeyId { get; set; }
}

public sealed class ManifestPinProjection : SingleStreamProjection<ManifestPin, string>
{
    public static ManifestPin Create(JasperFx.Events.IEvent<ManifestPinned> e) => Apply(e, new ManifestPin());

    public static ManifestPin Apply(JasperFx.Events.IEvent<ManifestPinned> e, ManifestPin m)
    {
        m.Digest = e.Data.Digest;
        m.Size = e.Data.Size;
        m.Cid = e.Data.Cid;
        m.Pinned = true;
        m.PinnedAt = e.Timestamp;
        m.IpfsMode = e.Data.Mode;
        m.KeyId = e.Data.KeyId;
        return m;
    }

    public static ManifestPin Apply(ManifestUnpinned e, ManifestPin m)
    {
        m.Pinned = false;
        return m;
    }
}
