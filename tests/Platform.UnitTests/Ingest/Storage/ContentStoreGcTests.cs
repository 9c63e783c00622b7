using Microsoft.Extensions.Options;
using Platform.Ingest.Storage;

namespace Platform.UnitTests.Ingest.Storage;

/// <summary>The content store's part of garbage collection and crash recovery, on a real temporary directory.</summary>
public sealed class ContentStoreGcTests : IDisposable
{
    private const string Digest = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static readonly byte[] Bytes = "abc"u8.ToArray();
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"content-store-{Guid.NewGuid():N}");
    private readonly ContentStore _store;

    public ContentStoreGcTests() => _store = new ContentStore(Options.Create(new StorageOptions { Root = _root }));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Guid Upload(byte[] bytes)
    {
        var session = Guid.NewGuid();
        File.WriteAllBytes(_store.UploadPath(session), bytes);
        return session;
    }

    [Fact]
    public void An_upload_file_is_cut_back_to_its_recorded_offset_and_a_shorter_one_is_left_alone()
    {
        var session = Upload([.. Bytes, 9, 9, 9, 9]);
        Assert.Equal(4, _store.TruncateUpload(session, 3));
        Assert.Equal(Bytes, File.ReadAllBytes(_store.UploadPath(session)));
        Assert.Equal(0, _store.TruncateUpload(session, 10));
        Assert.Equal(3, _store.UploadFileLength(session));
        Assert.Equal(0, _store.TruncateUpload(Guid.NewGuid(), 0));
    }

    [Fact]
    public void Promote_is_idempotent_and_refuses_when_the_bytes_are_gone_from_both_places()
    {
        var session = Upload(Bytes);
        _store.Promote(session, Digest, 3);
        _store.Promote(session, Digest, 3); // a retried commit promotes again
        Assert.Equal(Bytes, File.ReadAllBytes(_store.BlobPath(Digest)));
        Assert.False(File.Exists(_store.UploadPath(session)));

        File.Delete(_store.BlobPath(Digest));
        Assert.Throws<IOException>(() => _store.Promote(session, Digest, 3));
    }

    [Fact]
    public void A_staged_deletion_removes_the_file_when_completed_and_puts_it_back_otherwise()
    {
        _store.Promote(Upload(Bytes), Digest, 3);
        using (_store.StageBlobDeletion(Digest))
            Assert.False(File.Exists(_store.BlobPath(Digest)));
        Assert.Equal(Bytes, File.ReadAllBytes(_store.BlobPath(Digest)));

        using (var staged = _store.StageBlobDeletion(Digest))
            staged.Complete();
        Assert.False(File.Exists(_store.BlobPath(Digest)));
        Assert.Empty(_store.TrashFiles());

        // Nothing to stage is fine: the blob's file was lost already.
        using (var nothing = _store.StageBlobDeletion(Digest))
            nothing.Complete();
    }

    [Fact]
    public void An_upload_promoted_while_a_deletion_was_staged_is_kept_when_the_deletion_is_rolled_back()
    {
        _store.Promote(Upload(Bytes), Digest, 3);
        using (_store.StageBlobDeletion(Digest))
            _store.Promote(Upload(Bytes), Digest, 3);
        Assert.Equal(Bytes, File.ReadAllBytes(_store.BlobPath(Digest)));
        Assert.Empty(_store.TrashFiles());
    }

    [Fact]
    public void The_sweep_sees_each_file_with_what_it_belongs_to()
    {
        var session = Upload(Bytes);
        File.WriteAllBytes(Path.Combine(_root, "uploads", "not-a-session"), [1]);
        _store.Promote(Upload(Bytes), Digest, 3);
        File.WriteAllBytes(Path.Combine(_root, "blobs", "stray"), [1]);

        Assert.Equal([session, null], _store.UploadFiles().Select(f => f.Owner).OrderBy(o => o.HasValue ? 0 : 1));
        var blob = Assert.Single(_store.BlobFiles(), f => f.Owner is not null);
        Assert.Equal((Digest, 3L), (blob.Owner, blob.Length));
        Assert.Contains(_store.BlobFiles(), f => f.Owner is null && f.Path.EndsWith("stray", StringComparison.Ordinal));

        var staged = _store.StageBlobDeletion(Digest); // a crash before the commit: the staged file stays behind
        var trash = Assert.Single(_store.TrashFiles());
        Assert.Equal(Digest, trash.Owner);
        Assert.True(_store.RestoreTrash(trash.Path, Digest));
        Assert.Equal(Bytes, File.ReadAllBytes(_store.BlobPath(Digest)));
        staged.Dispose();
    }
}
