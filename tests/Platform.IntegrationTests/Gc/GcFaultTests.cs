using System.Net;
using Platform.IntegrationTests.Distribution;
using static Platform.IntegrationTests.Distribution.RegistryClient;

namespace Platform.IntegrationTests.Gc;

/// <summary>
/// The faults of "storage never shrinks", each written as the failure: abandoned uploads kept their files forever,
/// a blob deleted from every repository kept its file (and pin), a crash mid-upload left bytes the status denied.
/// </summary>
[Collection(GcCollection.Name)]
public sealed class GcFaultTests(GcFixture fixture)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);
    private readonly RegistryClient _client = new(fixture.Stack.Gateway);
    private readonly GcProbe _gc = new(fixture.Stack);

    [Fact]
    public async Task An_abandoned_upload_session_expires_and_its_file_is_deleted_while_an_active_one_stays()
    {
        var repo = UniqueRepo("gc-abandoned");
        var abandoned = await _client.StartUploadAsync(repo);
        using (var patch = await _client.PatchAsync(abandoned, RandomBytes(50_000, 1), 0))
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        var abandonedId = GcProbe.SessionOf(abandoned);
        Assert.Equal(50_000, new FileInfo(_gc.UploadPath(abandonedId)).Length);

        await Task.Delay(GcFixture.UploadExpiry + TimeSpan.FromMilliseconds(500));
        // Touched just now: a chunk restarts the expiry.
        var active = await _client.StartUploadAsync(repo);
        using (var patch = await _client.PatchAsync(active, RandomBytes(10_000, 2), 0))
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);

        var run = await _gc.RunAsync();

        Assert.Contains(run.ExpiredUploads, u => u.SessionId == abandonedId && u.Repository == repo && u.Bytes == 50_000);
        Assert.DoesNotContain(run.ExpiredUploads, u => u.SessionId == GcProbe.SessionOf(active));
        Assert.False(File.Exists(_gc.UploadPath(abandonedId)));
        using (var status = await _client.Http.GetAsync(abandoned))
            await AssertErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        using (var status = await _client.Http.GetAsync(active))
        {
            Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
            Assert.Equal("0-9999", status.Headers.GetValues("Range").Single());
        }
        Assert.Equal(10_000, new FileInfo(_gc.UploadPath(GcProbe.SessionOf(active))).Length);

        var audit = await _gc.Platform.WaitAuditAsync(repo, e => e.Any(x => x.GetProperty("action").GetString() == "upload.expired"), Settle);
        Assert.Equal("system:gc", audit.Single(x => x.GetProperty("action").GetString() == "upload.expired").GetProperty("actor").GetString());
    }

    [Fact]
    public async Task A_blob_deleted_from_every_repository_loses_its_file_and_its_pin_and_comes_back_when_uploaded_again()
    {
        var (first, second) = (UniqueRepo("gc-every"), UniqueRepo("gc-every"));
        var bytes = RandomBytes(120_000, 3);
        var digest = await _client.PushBlobAsync(first, bytes);
        using (var mount = await _client.Http.PostAsync($"/v2/{second}/blobs/uploads/?mount={digest}&from={first}", null))
            Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        var cid = (await _gc.Platform.WaitPinnedAsync([digest], Settle))[digest];

        foreach (var repo in new[] { first, second })
            using (var delete = await _client.Http.DeleteAsync($"/v2/{repo}/blobs/{digest}"))
                Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        await GcProbe.PastGraceAsync();
        var run = await _gc.RunAsync();

        Assert.Contains(run.DeletedBlobs, b => b.Digest == digest && b.Size == bytes.Length);
        Assert.False(File.Exists(_gc.BlobPath(digest)), "the blob's file is still in the content store");
        var record = await _gc.BlobAsync(digest);
        Assert.True(record is { Deleted: true }, "the blob is not recorded as deleted");
        Assert.Equal(cid, record!.Cid);
        await GcProbe.WaitUntilAsync(async () => !(await _gc.PinsAsync()).Contains(cid) && await _gc.BlobAsync(digest) is { Pinned: false },
            Settle, $"{cid} unpinned on IPFS");
        await GcProbe.WaitUntilAsync(async () => (await _gc.AuditAsync("blob.deleted"))
                .Any(e => e.GetProperty("digest").GetString() == digest && e.GetProperty("actor").GetString() == "system:gc"),
            Settle, "blob.deleted in the audit log");

        // A mount of the deleted blob is refused the spec's way: an upload session starts instead.
        var third = UniqueRepo("gc-every");
        using (var mount = await _client.Http.PostAsync($"/v2/{third}/blobs/uploads/?mount={digest}&from={first}", null))
            Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
        // The same bytes uploaded again are a blob again, with their file, and pinned again.
        Assert.Equal(digest, await _client.PushBlobAsync(third, bytes));
        Assert.True(await _gc.BlobAsync(digest) is { Deleted: false });
        Assert.Equal(bytes, await _client.Http.GetByteArrayAsync($"/v2/{third}/blobs/{digest}"));
        await _gc.Platform.WaitPinnedAsync([digest], Settle);
    }

    [Fact]
    public async Task After_a_crash_mid_upload_the_status_and_the_file_agree_again()
    {
        var repo = UniqueRepo("gc-crash");
        // The crash of the finding: the whole blob reached the file, but no chunk was ever recorded.
        var bytes = RandomBytes(200_000, 4);
        var session = await _client.StartUploadAsync(repo);
        var id = GcProbe.SessionOf(session);
        await File.WriteAllBytesAsync(_gc.UploadPath(id), bytes);

        using (var status = await _client.Http.GetAsync(session))
        {
            Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
            Assert.Equal("0-0", status.Headers.GetValues("Range").Single());
        }
        Assert.Equal(0, new FileInfo(_gc.UploadPath(id)).Length);
        // The client resumes where the status said, and the blob is whole.
        using (var put = await _client.CompleteAsync(session, DigestOf(bytes), bytes))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(bytes, await _client.Http.GetByteArrayAsync($"/v2/{repo}/blobs/{DigestOf(bytes)}"));

        // The same after a recorded chunk, found by the sweep rather than by a request.
        var other = await _client.StartUploadAsync(repo);
        var otherId = GcProbe.SessionOf(other);
        var start = RandomBytes(30_000, 5);
        using (var patch = await _client.PatchAsync(other, start, 0))
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        await using (var file = new FileStream(_gc.UploadPath(otherId), FileMode.Append))
            await file.WriteAsync(RandomBytes(70_000, 6));
        File.SetLastWriteTimeUtc(_gc.UploadPath(otherId), DateTime.UtcNow - TimeSpan.FromMinutes(1));

        var run = await _gc.RunAsync();

        Assert.Contains(run.TruncatedUploads, f => f.Path.EndsWith(otherId.ToString("N"), StringComparison.Ordinal) && f.Bytes == 70_000);
        Assert.Equal(30_000, new FileInfo(_gc.UploadPath(otherId)).Length);
        using (var status = await _client.Http.GetAsync(other))
            Assert.Equal("0-29999", status.Headers.GetValues("Range").Single());
        var rest = RandomBytes(5_000, 7);
        using (var put = await _client.CompleteAsync(other, DigestOf([.. start, .. rest]), rest))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Fact]
    public async Task A_blob_file_a_crash_left_without_its_record_goes_once_it_is_older_than_the_grace_period()
    {
        // A crash between moving verified bytes to their content address and committing the upload.
        var (old, young) = (RandomBytes(33_000, 10), RandomBytes(34_000, 11));
        foreach (var bytes in new[] { old, young })
        {
            var path = _gc.BlobPath(DigestOf(bytes));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes);
        }
        File.SetLastWriteTimeUtc(_gc.BlobPath(DigestOf(old)), DateTime.UtcNow - TimeSpan.FromMinutes(1));

        var dry = await _gc.RunAsync(dryRun: true);
        Assert.Contains(dry.OrphanFiles, f => f.Path.EndsWith(DigestOf(old)[7..], StringComparison.Ordinal) && f.Bytes == old.Length);
        Assert.True(File.Exists(_gc.BlobPath(DigestOf(old))));

        var run = await _gc.RunAsync();

        Assert.Contains(run.OrphanFiles, f => f.Path.EndsWith(DigestOf(old)[7..], StringComparison.Ordinal) && f.Bytes == old.Length);
        Assert.False(File.Exists(_gc.BlobPath(DigestOf(old))));
        // Young: it may be an upload whose commit is on its way.
        Assert.DoesNotContain(run.OrphanFiles, f => f.Path.EndsWith(DigestOf(young)[7..], StringComparison.Ordinal));
        Assert.True(File.Exists(_gc.BlobPath(DigestOf(young))));
        // The client that crashed uploads again, and the bytes are a blob like any other.
        var repo = UniqueRepo("gc-orphan");
        Assert.Equal(DigestOf(young), await _client.PushBlobAsync(repo, young));
        Assert.Equal(young, await _client.Http.GetByteArrayAsync($"/v2/{repo}/blobs/{DigestOf(young)}"));
    }

    [Fact]
    public async Task A_dry_run_lists_what_would_go_with_sizes_and_deletes_nothing_and_the_audit_log_has_both_runs()
    {
        var repo = UniqueRepo("gc-dry");
        var bytes = RandomBytes(64_000, 8);
        var digest = await _client.PushBlobAsync(repo, bytes); // linked, referenced by no manifest
        await GcProbe.PastGraceAsync();

        var dry = await _gc.RunAsync(dryRun: true);

        Assert.True(dry.DryRun);
        Assert.Contains(dry.UnlinkedBlobs, b => b.Repository == repo && b.Digest == digest && b.Size == bytes.Length);
        Assert.True(File.Exists(_gc.BlobPath(digest)));
        Assert.Equal(bytes, await _client.Http.GetByteArrayAsync($"/v2/{repo}/blobs/{digest}"));

        var unlink = await _gc.RunAsync();
        Assert.Contains(unlink.UnlinkedBlobs, b => b.Repository == repo && b.Digest == digest);
        await GcProbe.PastGraceAsync();
        var dryDelete = await _gc.RunAsync(dryRun: true);
        Assert.Contains(dryDelete.DeletedBlobs, b => b.Digest == digest && b.Size == bytes.Length);
        Assert.True(dryDelete.BytesReclaimed >= bytes.Length);
        Assert.True(File.Exists(_gc.BlobPath(digest)));
        Assert.True(await _gc.BlobAsync(digest) is { Deleted: false });

        var real = await _gc.RunAsync();
        // What the dry run listed is what went (a run may find more: whatever crossed the grace period in between).
        Assert.All(dryDelete.DeletedBlobs, d => Assert.Contains(d, real.DeletedBlobs));
        Assert.True(real.BytesReclaimed >= dryDelete.DeletedBlobs.Sum(b => b.Size));
        Assert.False(File.Exists(_gc.BlobPath(digest)));

        await GcProbe.WaitUntilAsync(async () => (await _gc.AuditAsync("gc.completed")).Any(e => e.GetProperty("tag").GetString()!.Contains($"run={real.RunId:N}")),
            Settle, "the run in the audit log");
        var entry = (await _gc.AuditAsync("gc.completed")).First(e => e.GetProperty("tag").GetString()!.Contains($"run={real.RunId:N}"));
        Assert.Contains($"bytes-reclaimed={real.BytesReclaimed} ", entry.GetProperty("tag").GetString());
        Assert.Contains(await _gc.AuditAsync("gc.dry-run"), e => e.GetProperty("tag").GetString()!.Contains($"run={dryDelete.RunId:N}"));
        var verify = await _gc.Platform.AuditAsync("/api/v1/audit/verify");
        Assert.True(verify.GetProperty("valid").GetBoolean(), verify.ToString());
    }
}
