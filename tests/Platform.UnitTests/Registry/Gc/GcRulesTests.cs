using System.Text;
using Platform.Registry.Events;
using Platform.Registry.Gc;
using Platform.Registry.ReadModels;
using static Platform.UnitTests.Registry.ReadModels.EventHelpers;

namespace Platform.UnitTests.Registry.Gc;

public sealed class GcRulesTests
{
    private const string Repo = "team/app";
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";
    private const string Config = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Shared = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string Own = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    private const string M1 = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string M2 = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string Index = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

    private static ManifestPushed Image(string digest, params string[] blobs) =>
        new(Repo, digest, OciManifest, Encoding.UTF8.GetBytes(digest), null, null, null, blobs, []);

    /// <summary>Config, Shared and Own linked at 0 s; M1 (Config, Shared, Own) at 1 s; M2 (Config, Shared) at 2 s.</summary>
    private static RepositoryState TwoImages()
    {
        var r = RepositoryStateProjection.Create(At(new BlobLinked(Repo, Config, 10, "upload"), 0));
        r = RepositoryStateProjection.Apply(At(new BlobLinked(Repo, Shared, 2000, "upload"), 0), r);
        r = RepositoryStateProjection.Apply(At(new BlobLinked(Repo, Own, 3000, "upload"), 0), r);
        r = RepositoryStateProjection.Apply(At(Image(M1, Config, Shared, Own), 1), r);
        return RepositoryStateProjection.Apply(At(Image(M2, Config, Shared), 2), r);
    }

    [Fact]
    public void Blobs_every_manifest_references_are_never_unlinked_however_old()
    {
        Assert.Empty(GcRules.UnreferencedLinks(TwoImages(), T0.AddDays(30)));
    }

    [Fact]
    public void A_linked_blob_no_manifest_references_is_unlinked_only_after_its_grace_period()
    {
        var r = RepositoryStateProjection.Create(At(new BlobLinked(Repo, Own, 3000, "upload"), 0));
        // The layer of a push whose manifest is still on its way: touched at 0 s, the cutoff at 0 s keeps it.
        Assert.Empty(GcRules.UnreferencedLinks(r, T0));
        Assert.Equal([(Own, 3000L)], GcRules.UnreferencedLinks(r, T0.AddSeconds(1)));
    }

    [Fact]
    public void Deleting_a_manifest_restarts_the_grace_period_of_the_blobs_it_leaves_unreferenced()
    {
        var r = RepositoryStateProjection.Apply(At(new ManifestDeleted(Repo, M1, []), 100), TwoImages());
        Assert.Equal(T0.AddSeconds(100), r.BlobTouchedAt[Own]);
        Assert.False(r.ManifestBlobs.ContainsKey(M1));
        Assert.Empty(GcRules.UnreferencedLinks(r, T0.AddSeconds(50)));
        // Only the blob M1 had to itself goes; what M2 still references stays.
        Assert.Equal([(Own, 3000L)], GcRules.UnreferencedLinks(r, T0.AddSeconds(101)));
    }

    [Fact]
    public void Uploading_an_unreferenced_blob_again_is_a_touch()
    {
        var r = RepositoryStateProjection.Create(At(new BlobLinked(Repo, Own, 3000, "upload"), 0));
        r = RepositoryStateProjection.Apply(At(new BlobLinked(Repo, Own, 3000, "upload"), 60), r);
        Assert.Empty(GcRules.UnreferencedLinks(r, T0.AddSeconds(30)));
    }

    [Fact]
    public void An_index_references_manifests_not_blobs_and_keeps_none_of_them_by_itself()
    {
        var r = RepositoryStateProjection.Apply(At(new ManifestPushed(Repo, Index, OciIndex, [1], null, null, null, [], [M1, M2]), 3), TwoImages());
        r = RepositoryStateProjection.Apply(At(new ManifestDeleted(Repo, M1, []), 4), r);
        r = RepositoryStateProjection.Apply(At(new ManifestDeleted(Repo, M2, []), 4), r);
        Assert.Equal([Config, Shared, Own], GcRules.UnreferencedLinks(r, T0.AddSeconds(5)).Select(b => b.Digest));
    }

    [Fact]
    public void A_repository_whose_state_predates_the_blob_lists_is_left_alone()
    {
        var r = TwoImages();
        r.ManifestBlobs.Remove(M2); // as a document written before the field existed
        r.ManifestBlobs.Remove(M1);
        Assert.Empty(GcRules.UnreferencedLinks(r, T0.AddDays(1)));
        // And a link with no recorded touch is not judged either.
        var legacy = new RepositoryState { Name = Repo, Blobs = new() { [Own] = 1 } };
        Assert.Empty(GcRules.UnreferencedLinks(legacy, T0.AddDays(1)));
    }

    [Fact]
    public void Unlinking_forgets_the_touch()
    {
        var r = RepositoryStateProjection.Create(At(new BlobLinked(Repo, Own, 3000, "upload"), 0));
        r = RepositoryStateProjection.Apply(new BlobUnlinked(Repo, Own), r);
        Assert.Empty(r.BlobTouchedAt);
        Assert.Empty(GcRules.UnreferencedLinks(r, T0.AddDays(1)));
    }

    private static BlobRecord Stored(int seconds) => BlobRecordProjection.Create(At(new BlobStored(Own, 3000), seconds));

    [Fact]
    public void A_blob_any_repository_links_is_never_deleted()
    {
        Assert.False(GcRules.BlobDeletable(Stored(0), linkedAnywhere: true, T0.AddDays(30)));
    }

    [Fact]
    public void An_unlinked_blob_is_deleted_only_when_its_last_release_and_its_last_store_are_past_the_grace_period()
    {
        var b = BlobRecordProjection.Apply(At(new BlobReleased(Own, Repo), 10), Stored(0));
        Assert.False(GcRules.BlobDeletable(b, false, T0.AddSeconds(10)));
        Assert.True(GcRules.BlobDeletable(b, false, T0.AddSeconds(11)));

        b = BlobRecordProjection.Apply(At(new BlobStored(Own, 3000), 20), b);
        Assert.False(GcRules.BlobDeletable(b, false, T0.AddSeconds(15)));
        Assert.True(GcRules.BlobDeletable(b, false, T0.AddSeconds(21)));
    }

    [Fact]
    public void A_deleted_or_unknown_blob_is_not_deleted_again()
    {
        var b = BlobRecordProjection.Apply(At(new BlobDeleted(Own, 3000), 5), Stored(0));
        Assert.False(GcRules.BlobDeletable(b, false, T0.AddDays(1)));
        Assert.False(GcRules.BlobDeletable(null, false, T0.AddDays(1)));
    }

    private static readonly Guid Session = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public void An_open_session_expires_counting_from_its_last_accepted_chunk()
    {
        var s = UploadSessionProjection.Create(At(new UploadStarted(Session, Repo), 0));
        Assert.False(GcRules.UploadExpired(s, T0));
        Assert.True(GcRules.UploadExpired(s, T0.AddSeconds(1)));

        s = UploadSessionProjection.Apply(At(new UploadChunkAccepted(Session, 0, 100), 50), s);
        Assert.Equal(T0.AddSeconds(50), s.LastActivityAt);
        Assert.False(GcRules.UploadExpired(s, T0.AddSeconds(40)));
        Assert.True(GcRules.UploadExpired(s, T0.AddSeconds(51)));
    }

    [Fact]
    public void Sessions_that_are_over_never_expire_and_an_expired_one_is_over()
    {
        var s = UploadSessionProjection.Create(At(new UploadStarted(Session, Repo), 0));
        var cancelled = UploadSessionProjection.Apply(new UploadCancelled(Session, Repo), UploadSessionProjection.Create(At(new UploadStarted(Session, Repo), 0)));
        Assert.False(GcRules.UploadExpired(cancelled, T0.AddDays(1)));

        s = UploadSessionProjection.Apply(new UploadExpired(Session, Repo, 0), s);
        Assert.Equal(UploadState.Expired, s.State);
        Assert.False(GcRules.UploadExpired(s, T0.AddDays(1)));
    }

    [Fact]
    public void A_session_recorded_before_its_last_activity_was_counts_from_its_start()
    {
        var legacy = new UploadSession { SessionId = Session, Repository = Repo, StartedAt = T0 };
        Assert.True(GcRules.UploadExpired(legacy, T0.AddSeconds(1)));
        Assert.False(GcRules.UploadExpired(legacy, T0));
    }
}
