using Platform.Registry.Events;
using Platform.Registry.ReadModels;
using static Platform.UnitTests.Registry.ReadModels.EventHelpers;

namespace Platform.UnitTests.Registry.ReadModels;

public sealed class BlobRecordProjectionTests
{
    private const string Digest = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private const string Cid = "bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu";

    private static BlobRecord Stored() => BlobRecordProjection.Create(At(new BlobStored(Digest, 3), 0));

    [Fact]
    public void Stored_blob_is_not_pinned()
    {
        var b = Stored();
        Assert.Equal(Digest, b.Digest);
        Assert.Equal(3, b.Size);
        Assert.Equal(T0, b.StoredAt);
        Assert.Null(b.Cid);
        Assert.False(b.Pinned);
        Assert.Null(b.PinnedAt);
    }

    [Fact]
    public void Storing_the_same_bytes_again_changes_nothing()
    {
        var b = Stored();
        var again = BlobRecordProjection.Apply(new BlobStored(Digest, 3), b);
        Assert.Same(b, again);
        Assert.Equal(3, again.Size);
        Assert.Equal(T0, again.StoredAt);
    }

    [Fact]
    public void Pinned_records_the_cid_and_when()
    {
        var b = BlobRecordProjection.Apply(At(new BlobPinned(Digest, Cid, 3), 5), Stored());
        Assert.Equal(Cid, b.Cid);
        Assert.True(b.Pinned);
        Assert.Equal(T0.AddSeconds(5), b.PinnedAt);
        Assert.Equal(T0, b.StoredAt);
    }

    [Fact]
    public void Unpinned_keeps_the_cid()
    {
        var b = BlobRecordProjection.Apply(At(new BlobPinned(Digest, Cid, 3), 5), Stored());
        b = BlobRecordProjection.Apply(new BlobUnpinned(Digest, Cid), b);
        Assert.False(b.Pinned);
        Assert.Equal(Cid, b.Cid);
        Assert.Equal(3, b.Size);
    }

    [Fact]
    public void Pinned_again_after_an_unpin()
    {
        var b = BlobRecordProjection.Apply(At(new BlobPinned(Digest, Cid, 3), 5), Stored());
        b = BlobRecordProjection.Apply(new BlobUnpinned(Digest, Cid), b);
        b = BlobRecordProjection.Apply(At(new BlobPinned(Digest, Cid, 3), 9), b);
        Assert.True(b.Pinned);
        Assert.Equal(Cid, b.Cid);
        Assert.Equal(T0.AddSeconds(9), b.PinnedAt);
    }

    [Fact]
    public void Pinned_records_the_mode_and_key_and_an_event_from_before_modes_reads_as_public()
    {
        var encrypted = BlobRecordProjection.Apply(At(new BlobPinned(Digest, Cid, 3, PinModes.Encrypted, "team"), 5), Stored());
        Assert.Equal(PinModes.Encrypted, encrypted.IpfsMode);
        Assert.Equal("team", encrypted.KeyId);

        var old = BlobRecordProjection.Apply(At(new BlobPinned(Digest, Cid, 3), 5), Stored());
        Assert.Equal(PinModes.Public, old.IpfsMode);
        Assert.Null(old.KeyId);
    }

    [Fact]
    public void A_BlobPinned_event_stored_without_the_mode_fields_still_reads()
    {
        var json = $$"""{"digest":"{{Digest}}","cid":"{{Cid}}","size":3}""";
        var e = System.Text.Json.JsonSerializer.Deserialize<BlobPinned>(json, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        Assert.Equal(Cid, e.Cid);
        Assert.Null(e.Mode);
        Assert.Null(e.KeyId);
    }
}
