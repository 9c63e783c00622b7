using Platform.Registry.Routing;

namespace Platform.UnitTests.Registry.Routing;

public sealed class OciRouteTests
{
    private static OciRoute Parse(string path)
    {
        Assert.True(OciRoute.TryParse(path, out var route), $"'{path}' should parse");
        return route;
    }

    private static void AssertRejected(string? path)
    {
        Assert.False(OciRoute.TryParse(path, out _), $"'{path}' should not parse");
    }

    [Fact]
    public void Catalog()
    {
        Assert.Equal(new OciRoute(OciRouteKind.Catalog, "", ""), Parse("_catalog"));
    }

    [Theory]
    [InlineData("alpine/tags/list", "alpine")]
    [InlineData("library/alpine/tags/list", "library/alpine")]
    [InlineData("a/b/c/d/tags/list", "a/b/c/d")]
    [InlineData("_catalog/tags/list", "_catalog")] // the router does not validate names
    public void Tag_list(string path, string name)
    {
        Assert.Equal(new OciRoute(OciRouteKind.TagList, name, ""), Parse(path));
    }

    [Theory]
    [InlineData("alpine/manifests/latest", "alpine", "latest")]
    [InlineData("library/alpine/manifests/3.19", "library/alpine", "3.19")]
    [InlineData("library/alpine/manifests/sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b",
        "library/alpine", "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b")]
    // A repository may contain components named like the route keywords; the path is read from its end.
    [InlineData("team/manifests/manifests/v1", "team/manifests", "v1")]
    [InlineData("team/blobs/manifests/v1", "team/blobs", "v1")]
    [InlineData("tags/list/manifests/v1", "tags/list", "v1")]
    public void Manifest_by_tag_or_digest(string path, string name, string reference)
    {
        Assert.Equal(new OciRoute(OciRouteKind.Manifest, name, reference), Parse(path));
    }

    [Theory]
    [InlineData("app/referrers/sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b", "app")]
    [InlineData("org/team/app/referrers/sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b", "org/team/app")]
    public void Referrers(string path, string name)
    {
        Assert.Equal(
            new OciRoute(OciRouteKind.Referrers, name, "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"),
            Parse(path));
    }

    [Theory]
    [InlineData("app/blobs/sha256:abc", "app", "sha256:abc")]
    [InlineData("org/app/blobs/sha512:def", "org/app", "sha512:def")]
    [InlineData("org/blobs/blobs/sha256:abc", "org/blobs", "sha256:abc")]
    public void Blob(string path, string name, string digest)
    {
        Assert.Equal(new OciRoute(OciRouteKind.Blob, name, digest), Parse(path));
    }

    [Theory]
    [InlineData("app/blobs/uploads/", "app")]
    [InlineData("app/blobs/uploads", "app")]
    [InlineData("org/team/app/blobs/uploads/", "org/team/app")]
    [InlineData("org/team/app/blobs/uploads", "org/team/app")]
    public void Upload_start_with_or_without_trailing_slash(string path, string name)
    {
        Assert.Equal(new OciRoute(OciRouteKind.UploadStart, name, ""), Parse(path));
    }

    [Theory]
    [InlineData("app/blobs/uploads/0f8fad5bd9cb469fa16570867728950e", "app", "0f8fad5bd9cb469fa16570867728950e")]
    [InlineData("org/app/blobs/uploads/0f8fad5b-d9cb-469f-a165-70867728950e", "org/app", "0f8fad5b-d9cb-469f-a165-70867728950e")]
    [InlineData("org/uploads/blobs/uploads/s1", "org/uploads", "s1")]
    public void Upload_session(string path, string name, string session)
    {
        Assert.Equal(new OciRoute(OciRouteKind.UploadSession, name, session), Parse(path));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("_catalog/")]        // trailing slash: not the catalog
    [InlineData("/_catalog")]
    [InlineData("alpine")]
    [InlineData("alpine/tags")]
    [InlineData("tags/list")]        // no name
    [InlineData("manifests/latest")] // no name
    [InlineData("alpine/manifests")]
    [InlineData("alpine/tags/list/")]
    [InlineData("alpine/manifests/")] // empty reference
    [InlineData("alpine/manifests/latest/")]
    [InlineData("alpine/referrers/")]
    [InlineData("alpine/blobs/")]     // empty digest
    [InlineData("alpine/blobs/sha256:abc/")]
    [InlineData("alpine/blobs/uploads/s1/")]
    [InlineData("alpine/blobs/uploads/s1/extra")]
    [InlineData("alpine/tags/other")]
    [InlineData("alpine/unknown/thing")]
    [InlineData("/blobs/uploads/")]   // empty name
    [InlineData("/tags/list")]
    [InlineData("/manifests/latest")]
    public void Rejected_paths(string? path)
    {
        AssertRejected(path);
    }

    [Fact]
    public void Uploads_without_blobs_before_it_is_not_an_upload()
    {
        // "x/uploads/<id>" is no route: "uploads" only means an upload after "blobs".
        AssertRejected("app/uploads/s1");
        // ... and "app/uploads/" is no upload start either.
        AssertRejected("app/uploads/");
    }

    [Theory]
    [InlineData("Library/Alpine/manifests/latest", "Library/Alpine")]
    [InlineData("bad name/manifests/latest", "bad name")]
    [InlineData("a//b/manifests/latest", "a//b")]
    [InlineData("/a/manifests/latest", "/a")]
    public void Invalid_names_are_passed_through_unvalidated(string path, string name)
    {
        // The router only splits; the name grammar is applied by the caller (RepositoryName.IsValid).
        var route = Parse(path);
        Assert.Equal(OciRouteKind.Manifest, route.Kind);
        Assert.Equal(name, route.Name);
        Assert.False(Platform.Registry.Oci.RepositoryName.IsValid(route.Name));
    }

    [Theory]
    [InlineData("app/blobs/sha256:abc", "GET", true)]
    [InlineData("app/blobs/sha256:abc", "HEAD", true)]
    [InlineData("app/blobs/sha256:abc", "DELETE", true)]
    [InlineData("app/blobs/uploads/", "POST", true)]
    [InlineData("app/blobs/uploads/s1", "PATCH", true)]
    [InlineData("app/blobs/uploads/s1", "GET", true)]
    [InlineData("app/manifests/v1", "GET", false)]
    [InlineData("app/manifests/v1", "get", false)]
    [InlineData("app/manifests/v1", "HEAD", false)]
    [InlineData("app/manifests/v1", "head", false)]
    [InlineData("app/manifests/v1", "PUT", true)]
    [InlineData("app/manifests/v1", "DELETE", true)]
    [InlineData("app/tags/list", "GET", false)]
    [InlineData("app/referrers/sha256:abc", "GET", false)]
    [InlineData("_catalog", "GET", false)]
    public void Ingest_serves_writes_and_blob_bytes(string path, string method, bool ingest)
    {
        Assert.Equal(ingest, Parse(path).IsIngest(method));
    }

    [Theory]
    [InlineData("app/blobs/uploads/", true)]
    [InlineData("app/blobs/uploads/s1", true)]
    [InlineData("app/blobs/sha256:abc", false)]
    [InlineData("app/manifests/v1", false)]
    [InlineData("app/tags/list", false)]
    [InlineData("_catalog", false)]
    public void IsUpload(string path, bool upload)
    {
        Assert.Equal(upload, Parse(path).IsUpload);
    }
}
