using JasperFx.Events;
using Platform.Contracts;
using Platform.Ingest.Relay;
using Platform.Registry.Events;

namespace Platform.UnitTests.Ingest.Relay;

public sealed class GcIntegrationEventsTests
{
    private const string Digest = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private static IPlatformEvent? Map<T>(T data) where T : notnull =>
        IntegrationEvents.From(new Event<T>(data) { Id = Guid.NewGuid(), Sequence = 7, Timestamp = DateTimeOffset.UnixEpoch });

    [Fact]
    public void A_deleted_blob_and_an_expired_upload_are_published()
    {
        Assert.Equal(Digest, Assert.IsType<BlobDeletedV1>(Map(new BlobDeleted(Digest, 3))).Digest);
        var session = Guid.NewGuid();
        var expired = Assert.IsType<UploadExpiredV1>(Map(new UploadExpired(session, "team/app", 42)));
        Assert.Equal((session, "team/app", 42L), (expired.SessionId, expired.Repository, expired.Bytes));
    }

    [Fact]
    public void A_release_is_bookkeeping_and_is_not_published()
    {
        Assert.Null(Map(new BlobReleased(Digest, "team/app")));
    }

    [Fact]
    public void A_gc_run_is_published_with_its_counts_and_the_bytes_it_reclaimed()
    {
        var run = new GarbageCollected(Guid.NewGuid(), false, "admin", DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1), TimeSpan.FromDays(1),
            [new GcUnlinkedBlob("team/app", Digest, 3)], [new GcDeletedBlob(Digest, 3), new GcDeletedBlob(Digest, 5)],
            [], [new GcFile("uploads/x", 9)], [], 17);
        var message = Assert.IsType<GarbageCollectedV1>(Map(run));
        Assert.Equal((run.RunId, false, "admin", 1, 2, 0, 1, 0, 17L),
            (message.RunId, message.DryRun, message.RequestedBy, message.UnlinkedBlobs, message.DeletedBlobs, message.ExpiredUploads,
                message.OrphanFiles, message.TruncatedUploads, message.BytesReclaimed));
        Assert.Equal((0, 0), (message.RetentionTags, message.RetentionManifests));
    }

    [Fact]
    public void A_gc_run_is_published_with_what_retention_deleted()
    {
        var run = new GarbageCollected(Guid.NewGuid(), false, "system:gc-schedule", DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1), TimeSpan.FromDays(1),
            [], [], [], [], [], 0,
            [new RetentionDeletions("team/app", ["pr-1", "pr-2"], [Digest]), new RetentionDeletions("team/web", ["pr-9"], [])]);
        var message = Assert.IsType<GarbageCollectedV1>(Map(run));
        Assert.Equal((3, 1), (message.RetentionTags, message.RetentionManifests));
    }
}
