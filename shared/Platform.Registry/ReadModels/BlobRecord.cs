using Marten.Events.Aggregation;
using Platform.Registry.Events;

namespace Platform.Registry.ReadModels;

/// <summary>A blob's bytes as stored once in the content store, whichever repositories link it.</summary>
public sealed class BlobRecord
{
    public string Id { get; set; } = "";
    public string Digest { get; set; } = "";
    public long Size { get; set; }
    public DateTimeOffset StoredAt { get; set; }
}

public sealed class BlobRecordProjection : SingleStreamProjection<BlobRecord, string>
{
    public static BlobRecord Create(JasperFx.Events.IEvent<BlobStored> e) =>
        new() { Digest = e.Data.Digest, Size = e.Data.Size, StoredAt = e.Timestamp };

    // The same bytes stored again (two concurrent uploads of one layer) change nothing.
    public static BlobRecord Apply(BlobStored e, BlobRecord b) => b;
}
