using System.Text;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;
using static Platform.UnitTests.Registry.ReadModels.EventHelpers;

namespace Platform.UnitTests.Registry.ReadModels;

public sealed class ManifestRecordProjectionTests
{
    private const string Repo = "team/app";
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string Digest = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string Subject = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string Config = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string Layer = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private static readonly byte[] Content = Encoding.UTF8.GetBytes("""{"schemaVersion":2}""");

    [Fact]
    public void Created_from_the_push_with_every_field()
    {
        var annotations = new Dictionary<string, string> { ["k"] = "v" };
        var e = new ManifestPushed(Repo, Digest, OciManifest, Content, Subject, "application/vnd.example.sbom", annotations,
            [Config, Layer], []);
        var m = ManifestRecordProjection.Create(At(e, 4));

        Assert.Equal(Repo, m.Repository);
        Assert.Equal(Digest, m.Digest);
        Assert.Equal(OciManifest, m.MediaType);
        Assert.Equal(Content, m.Content);
        Assert.Equal(Subject, m.SubjectDigest);
        Assert.Equal("application/vnd.example.sbom", m.ArtifactType);
        Assert.Equal(new Dictionary<string, string> { ["k"] = "v" }, m.Annotations);
        Assert.Equal([Config, Layer], m.Blobs);
        Assert.Empty(m.Manifests);
        Assert.Equal(T0.AddSeconds(4), m.PushedAt);
    }

    [Fact]
    public void An_index_records_its_child_manifests()
    {
        var e = new ManifestPushed(Repo, Digest, "application/vnd.oci.image.index.v1+json", Content, null, null, null, [], [Subject, Config]);
        var m = ManifestRecordProjection.Create(At(e, 0));
        Assert.Empty(m.Blobs);
        Assert.Equal([Subject, Config], m.Manifests);
        Assert.Null(m.SubjectDigest);
        Assert.Null(m.ArtifactType);
        Assert.Null(m.Annotations);
    }

    [Fact]
    public void The_document_owns_copies_of_the_collections()
    {
        var annotations = new Dictionary<string, string> { ["k"] = "v" };
        var blobs = new List<string> { Config };
        var manifests = new List<string> { Subject };
        var m = ManifestRecordProjection.Create(At(
            new ManifestPushed(Repo, Digest, OciManifest, Content, null, null, annotations, blobs, manifests), 0));

        annotations["k"] = "changed";
        blobs.Add(Layer);
        manifests.Clear();

        Assert.Equal("v", m.Annotations!["k"]);
        Assert.Equal([Config], m.Blobs);
        Assert.Equal([Subject], m.Manifests);
    }

    [Fact]
    public void Pushing_the_same_bytes_again_changes_only_the_time()
    {
        var e = new ManifestPushed(Repo, Digest, OciManifest, Content, Subject, null, null, [Config], []);
        var m = ManifestRecordProjection.Create(At(e, 0));
        var again = ManifestRecordProjection.Apply(At(e, 60), m);
        Assert.Same(m, again);
        Assert.Equal(T0.AddSeconds(60), again.PushedAt);
        Assert.Equal(Digest, again.Digest);
        Assert.Equal(Subject, again.SubjectDigest);
        Assert.Equal([Config], again.Blobs);
    }

    [Fact]
    public void The_projection_can_be_constructed()
    {
        // Identity and DeleteEvent registrations run in the constructor; they must not throw.
        _ = new ManifestRecordProjection();
        _ = new RepositoryStateProjection();
    }
}
