using System.Text;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;
using static Platform.UnitTests.Registry.ReadModels.EventHelpers;

namespace Platform.UnitTests.Registry.ReadModels;

public sealed class RepositoryStateProjectionTests
{
    private const string Repo = "team/app";
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string Layer = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Config = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string M1 = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string M2 = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private static readonly byte[] Content1 = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"m":1}""");
    private static readonly byte[] Content2 = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"m":22}""");

    private static ManifestPushed Pushed(string digest, byte[] content) =>
        new(Repo, digest, OciManifest, content, null, null, null, [Config, Layer], []);

    private static RepositoryState WithBlobs()
    {
        var r = RepositoryStateProjection.Create(At(new BlobLinked(Repo, Layer, 1000, "upload"), 0));
        return RepositoryStateProjection.Apply(At(new BlobLinked(Repo, Config, 20, "mount"), 1), r);
    }

    [Fact]
    public void First_blob_link_creates_the_repository()
    {
        var r = RepositoryStateProjection.Create(At(new BlobLinked(Repo, Layer, 1000, "upload"), 0));
        Assert.Equal(Repo, r.Name);
        Assert.Equal(new Dictionary<string, long> { [Layer] = 1000 }, r.Blobs);
        Assert.Empty(r.Manifests);
        Assert.Empty(r.Tags);
        Assert.True(r.HasContent);
        Assert.True(r.HasBlob(Layer));
        Assert.False(r.HasBlob(Config));
        Assert.Equal(T0, r.LastPushAt);
    }

    [Fact]
    public void First_manifest_push_creates_the_repository()
    {
        var r = RepositoryStateProjection.Create(At(Pushed(M1, Content1), 3));
        Assert.Equal(Repo, r.Name);
        Assert.Equal(new ManifestSummary(OciManifest, Content1.Length, T0.AddSeconds(3)), r.Manifests[M1]);
        Assert.Single(r.Manifests);
        Assert.Empty(r.Blobs); // a manifest's blobs are linked by their own events
        Assert.True(r.HasContent);
        Assert.Equal(T0.AddSeconds(3), r.LastPushAt);
    }

    [Fact]
    public void Blobs_linked_then_unlinked()
    {
        var r = WithBlobs();
        Assert.Equal(new Dictionary<string, long> { [Layer] = 1000, [Config] = 20 }, r.Blobs);
        Assert.Equal(T0.AddSeconds(1), r.LastPushAt);

        r = RepositoryStateProjection.Apply(new BlobUnlinked(Repo, Layer), r);
        Assert.Equal(new Dictionary<string, long> { [Config] = 20 }, r.Blobs);
        Assert.False(r.HasBlob(Layer));
        Assert.True(r.HasContent);

        r = RepositoryStateProjection.Apply(new BlobUnlinked(Repo, Config), r);
        Assert.Empty(r.Blobs);
        Assert.False(r.HasContent); // nothing left: gone from _catalog
        Assert.Equal(T0.AddSeconds(1), r.LastPushAt); // unlinking is no push
    }

    [Fact]
    public void Linking_a_blob_twice_keeps_one_entry()
    {
        var r = WithBlobs();
        r = RepositoryStateProjection.Apply(At(new BlobLinked(Repo, Layer, 1000, "upload"), 7), r);
        Assert.Equal(2, r.Blobs.Count);
        Assert.Equal(1000, r.Blobs[Layer]);
        Assert.Equal(T0.AddSeconds(7), r.LastPushAt);
    }

    [Fact]
    public void Unlinking_an_unknown_blob_changes_nothing()
    {
        var r = RepositoryStateProjection.Apply(new BlobUnlinked(Repo, M2), WithBlobs());
        Assert.Equal(2, r.Blobs.Count);
        Assert.True(r.HasContent);
    }

    [Fact]
    public void Manifest_pushed_tagged_then_deleted_with_its_tags()
    {
        var r = WithBlobs();
        r = RepositoryStateProjection.Apply(At(Pushed(M1, Content1), 10), r);
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "latest", M1, null), 0), r);
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "v1", M1, null), 0), r);
        r = RepositoryStateProjection.Apply(At(Pushed(M2, Content2), 20), r);
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "v2", M2, null), 0), r);

        Assert.Equal(new Dictionary<string, string> { ["latest"] = M1, ["v1"] = M1, ["v2"] = M2 }, r.Tags);
        Assert.Equal(2, r.Manifests.Count);
        Assert.Equal(new ManifestSummary(OciManifest, Content2.Length, T0.AddSeconds(20)), r.Manifests[M2]);
        Assert.Equal(T0.AddSeconds(20), r.LastPushAt);

        r = RepositoryStateProjection.Apply(At(new ManifestDeleted(Repo, M1, ["latest", "v1"]), 9), r);
        Assert.Equal(new Dictionary<string, string> { ["v2"] = M2 }, r.Tags);
        Assert.Equal([M2], r.Manifests.Keys);
        Assert.True(r.HasContent);
        Assert.Equal(T0.AddSeconds(20), r.LastPushAt);
    }

    [Fact]
    public void Deleting_the_last_manifest_and_unlinking_its_blobs_empties_the_repository()
    {
        var r = WithBlobs();
        r = RepositoryStateProjection.Apply(At(Pushed(M1, Content1), 10), r);
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "latest", M1, null), 0), r);
        r = RepositoryStateProjection.Apply(At(new ManifestDeleted(Repo, M1, ["latest"]), 9), r);
        Assert.Empty(r.Manifests);
        Assert.Empty(r.Tags);
        Assert.True(r.HasContent); // the blobs are still linked

        r = RepositoryStateProjection.Apply(new BlobUnlinked(Repo, Layer), r);
        r = RepositoryStateProjection.Apply(new BlobUnlinked(Repo, Config), r);
        Assert.False(r.HasContent);
        Assert.Equal(Repo, r.Name);
    }

    [Fact]
    public void A_manifest_only_repository_has_no_content_after_the_delete()
    {
        var r = RepositoryStateProjection.Create(At(Pushed(M1, Content1), 0));
        r = RepositoryStateProjection.Apply(At(new ManifestDeleted(Repo, M1, []), 9), r);
        Assert.Empty(r.Manifests);
        Assert.False(r.HasContent);
    }

    [Fact]
    public void Tag_moved_to_another_manifest()
    {
        var r = RepositoryStateProjection.Create(At(Pushed(M1, Content1), 0));
        r = RepositoryStateProjection.Apply(At(Pushed(M2, Content2), 1), r);
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "latest", M1, null), 0), r);
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "latest", M2, M1), 0), r);
        Assert.Equal(new Dictionary<string, string> { ["latest"] = M2 }, r.Tags);
        Assert.Equal(2, r.Manifests.Count); // the old manifest stays, untagged
    }

    [Fact]
    public void Tag_deleted_leaves_the_manifest()
    {
        var r = RepositoryStateProjection.Create(At(Pushed(M1, Content1), 0));
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "latest", M1, null), 0), r);
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "v1", M1, null), 0), r);
        r = RepositoryStateProjection.Apply(new TagDeleted(Repo, "latest", M1), r);
        Assert.Equal(new Dictionary<string, string> { ["v1"] = M1 }, r.Tags);
        Assert.True(r.Manifests.ContainsKey(M1));
        Assert.True(r.HasContent);
    }

    [Fact]
    public void Tags_are_case_sensitive()
    {
        var r = RepositoryStateProjection.Create(At(Pushed(M1, Content1), 0));
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "Latest", M1, null), 0), r);
        r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, "latest", M1, null), 0), r);
        Assert.Equal(2, r.Tags.Count);
        r = RepositoryStateProjection.Apply(new TagDeleted(Repo, "LATEST", M1), r);
        Assert.Equal(2, r.Tags.Count);
    }

    [Fact]
    public void Pushing_the_same_manifest_again_updates_its_time_only()
    {
        var r = RepositoryStateProjection.Create(At(Pushed(M1, Content1), 0));
        r = RepositoryStateProjection.Apply(At(Pushed(M1, Content1), 30), r);
        Assert.Equal(new ManifestSummary(OciManifest, Content1.Length, T0.AddSeconds(30)), Assert.Single(r.Manifests).Value);
        Assert.Equal(T0.AddSeconds(30), r.LastPushAt);
    }
}
