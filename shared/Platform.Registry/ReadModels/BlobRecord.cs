using Marten.Events.Aggregation;
using Platform.Registry.Events;

namespace Platform.Registry.ReadModels;

/// <summary>
/// A blob's bytes as stored once in the content store, whichever repositories link it, and where they are on
/// IPFS. <see cref="Cid"/> stays known after an unpin (the same bytes give the same CID); <see cref="Pinned"/>
/// says whether the node is asked to keep them.
/// </summary>
public sealed class BlobRecord
{
    public string Id { get; set; } = "";
    public string Digest { get; set; } = "";
    public long Size { get; set; }
    public DateTimeOffset StoredAt { get; set; }
    public string? Cid { get; set; }
    public bool Pinned { get; set; }
    public DateTimeOffset? PinnedAt { get; set; }

    /// <summary>What <see cref="Cid"/> names: the blob as it is ("public") or its ciphertext ("encrypted"); null until pinned.</summary>
    public string? IpfsMode { get; set; }

    /// <summary>For an encrypted pin, the namespace whose key wraps the blob's data key.</summary>
    public string? KeyId { get; set; }
}

public sealed class BlobRecordProjection : SingleStreamProjection<BlobRecord, string>
{
    public static BlobRecord Create(JasperFx.Events.IEvent<BlobStored> e) =>
        new() { Digest = e.Data.Digest, Size = e.Data.Size, StoredAt = e.Timestamp };

    // The same bytes stored again (two concurrent uploads of one layer) change nothing.
    public static BlobRecord Apply(BlobStored e, BlobRecord b) => b;

    public static BlobRecord Apply(JasperFx.Events.IEvent<BlobPinned> e, BlobRecord b)
    {
        b.Cid = e.Data.Cid;
        b.Pinned = true;
        b.PinnedAt = e.Timestamp;
        b.IpfsMode = e.Data.Mode ?? PinModes.Public;
        b.KeyId = e.Data.KeyId;
        return b;
    }

    public static BlobRecord Apply(BlobUnpinned e, BlobRecord b)
    {
        b.Pinned = false;
        return b;
    }
}
