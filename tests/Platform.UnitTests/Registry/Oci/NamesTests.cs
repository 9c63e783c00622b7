using Platform.Registry.Oci;

namespace Platform.UnitTests.Registry.Oci;

public sealed class RepositoryNameTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("alpine")]
    [InlineData("library/alpine")]
    [InlineData("a/b/c/d/e")]
    [InlineData("my.app")]
    [InlineData("my_app")]
    [InlineData("my__app")]      // two underscores are one separator
    [InlineData("my-app")]
    [InlineData("my--app")]      // any number of dashes
    [InlineData("my---app")]
    [InlineData("a.b_c__d-e--f")]
    [InlineData("team-1/app.v2/sub_x")]
    [InlineData("blobs/manifests/tags/list")]
    [InlineData("123/456")]
    public void Accepts_names_in_the_grammar(string name)
    {
        Assert.True(RepositoryName.IsValid(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Alpine")]            // lowercase only
    [InlineData("library/Alpine")]
    [InlineData("_catalog")]
    [InlineData("-app")]
    [InlineData("app-")]
    [InlineData(".app")]
    [InlineData("app.")]
    [InlineData("_app")]
    [InlineData("app_")]
    [InlineData("my..app")]
    [InlineData("my___app")]          // three underscores are no separator
    [InlineData("my._app")]
    [InlineData("my.-app")]
    [InlineData("/app")]
    [InlineData("app/")]
    [InlineData("a//b")]
    [InlineData("a/-b")]
    [InlineData("a/.b")]
    [InlineData("my app")]
    [InlineData("my+app")]
    [InlineData("my:app")]
    [InlineData("my@app")]
    [InlineData("ålpine")]
    [InlineData("app\n")]             // '$' must not let a trailing newline through
    [InlineData("library/alpine\n")]
    [InlineData("\napp")]
    public void Rejects_names_outside_the_grammar(string? name)
    {
        Assert.False(RepositoryName.IsValid(name));
    }

    [Fact]
    public void At_most_255_characters()
    {
        Assert.Equal(255, RepositoryName.MaxLength);
        var components = string.Join('/', Enumerable.Repeat(new string('a', 50), 5)); // 254 characters
        Assert.True(RepositoryName.IsValid(components + "b"));
        Assert.Equal(255, (components + "b").Length);
        Assert.False(RepositoryName.IsValid(components + "bc"));
        Assert.True(RepositoryName.IsValid(new string('a', 255)));
        Assert.False(RepositoryName.IsValid(new string('a', 256)));
    }
}

public sealed class TagTests
{
    [Theory]
    [InlineData("latest")]
    [InlineData("v1")]
    [InlineData("1.0.0")]
    [InlineData("V1.0-RC_1")]
    [InlineData("_")]
    [InlineData("_private")]
    [InlineData("0")]
    [InlineData("a..b")]
    [InlineData("a--b")]
    [InlineData("sha256-6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b")] // the referrers tag schema
    [InlineData("sha256-6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b.sig")]
    public void Accepts_tags_in_the_grammar(string tag)
    {
        Assert.True(Tag.IsValid(tag));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".hidden")]   // first character: [a-zA-Z0-9_]
    [InlineData("-dash")]
    [InlineData("a:b")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("a+b")]
    [InlineData("a@b")]
    [InlineData("é")]
    [InlineData("latest\n")]  // '$' must not let a trailing newline through
    [InlineData("\nlatest")]
    [InlineData("latest ")]
    public void Rejects_tags_outside_the_grammar(string? tag)
    {
        Assert.False(Tag.IsValid(tag));
    }

    [Fact]
    public void At_most_128_characters()
    {
        Assert.True(Tag.IsValid(new string('a', 128)));
        Assert.True(Tag.IsValid("_" + new string('-', 127)));
        Assert.False(Tag.IsValid(new string('a', 129)));
        Assert.False(Tag.IsValid(new string('a', 128) + "\n"));
    }
}

public sealed class ManifestReferenceTests
{
    private const string Sha256 = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

    [Theory]
    [InlineData("latest")]
    [InlineData("v1.2.3")]
    [InlineData("_x")]
    public void A_tag(string reference)
    {
        Assert.True(ManifestReference.TryParse(reference, out var parsed, out var error));
        Assert.Null(error);
        Assert.False(parsed.IsDigest);
        Assert.Equal(reference, parsed.Tag);
        Assert.Null(parsed.Digest);
    }

    [Fact]
    public void A_digest()
    {
        Assert.True(ManifestReference.TryParse(Sha256, out var parsed, out var error));
        Assert.Null(error);
        Assert.True(parsed.IsDigest);
        Assert.Null(parsed.Tag);
        Assert.Equal(new Digest("sha256", "6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"), parsed.Digest);
    }

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("md5:900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("latest:1")]
    [InlineData(":")]
    [InlineData("SHA256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b")]
    public void Anything_with_a_colon_that_is_no_valid_digest_is_DIGEST_INVALID(string reference)
    {
        Assert.False(ManifestReference.TryParse(reference, out var parsed, out var error));
        Assert.Equal(default, parsed);
        Assert.NotNull(error);
        Assert.Same(OciErrorCode.DigestInvalid, error.Code);
        Assert.Equal("reference is not a valid digest", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".latest")]
    [InlineData("a/b")]
    [InlineData("latest\n")]
    public void An_invalid_tag_is_MANIFEST_INVALID(string reference)
    {
        Assert.False(ManifestReference.TryParse(reference, out var parsed, out var error));
        Assert.Equal(default, parsed);
        Assert.NotNull(error);
        Assert.Same(OciErrorCode.ManifestInvalid, error.Code);
        Assert.Equal("tag is invalid", error.Message);
    }

    [Fact]
    public void A_too_long_tag_is_MANIFEST_INVALID()
    {
        Assert.False(ManifestReference.TryParse(new string('a', 129), out _, out var error));
        Assert.Same(OciErrorCode.ManifestInvalid, error!.Code);
    }
}
