using Platform.Registry.Routing;

namespace Platform.UnitTests.Registry.Routing;

public sealed class RepositoryApiPathTests
{
    [Theory]
    [InlineData("a/b", "a/b", RepositoryApiKind.Repository, null)]
    [InlineData("a/b/blobs/sha256:ab", "a/b", RepositoryApiKind.Blob, "sha256:ab")]
    [InlineData("a/blobs/c", "a/blobs/c", RepositoryApiKind.Repository, null)]
    [InlineData("a/b/tags/v1", "a/b", RepositoryApiKind.Tag, "v1")]
    [InlineData("a/b/tags/v1/history", "a/b", RepositoryApiKind.TagHistory, "v1")]
    [InlineData("a/tags/b/tags/latest/history", "a/tags/b", RepositoryApiKind.TagHistory, "latest")]
    [InlineData("a/b/tags/.bad", "a/b/tags/.bad", RepositoryApiKind.Repository, null)]
    public void Paths_split_from_their_end(string path, string name, RepositoryApiKind kind, string? reference) =>
        Assert.Equal(new RepositoryApiPath(name, kind, reference), RepositoryApiPath.Parse(path));
}
