using Platform.Registry.Events;

namespace Platform.UnitTests.Registry.Events;

public sealed class StreamKeysTests
{
    [Fact]
    public void Repository_stream()
    {
        Assert.Equal("repo:library/alpine", StreamKeys.Repository("library/alpine"));
    }

    [Fact]
    public void Upload_stream_uses_the_session_id_without_dashes()
    {
        Assert.Equal("upload:0f8fad5bd9cb469fa16570867728950e", StreamKeys.Upload(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e")));
    }

    [Fact]
    public void Blob_stream()
    {
        Assert.Equal("blob:sha256:abc", StreamKeys.Blob("sha256:abc"));
    }

    [Fact]
    public void Manifest_document_id_is_per_repository()
    {
        Assert.Equal("team/app@sha256:abc", StreamKeys.Manifest("team/app", "sha256:abc"));
        Assert.NotEqual(StreamKeys.Manifest("team/app", "sha256:abc"), StreamKeys.Manifest("team/other", "sha256:abc"));
    }

    [Theory]
    [InlineData("upload/0f8fad5bd9cb469fa16570867728950e")]
    [InlineData("blob/sha256")]
    [InlineData("repo")]
    public void Prefixes_cannot_collide_with_repository_streams(string name)
    {
        // A repository name never contains ':', so "repo:<name>" never equals another kind's key.
        Assert.DoesNotContain(':', name);
        var key = StreamKeys.Repository(name);
        Assert.StartsWith("repo:", key);
        Assert.NotEqual(StreamKeys.Upload(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e")), key);
        Assert.NotEqual(StreamKeys.Blob("sha256"), key);
    }
}
