using Platform.Gateway.Auth.Authorization;

namespace Platform.UnitTests.Auth.Authorization;

public sealed class RepositoryPathTests
{
    [Theory]
    [InlineData("team/app", "team/app")]
    [InlineData("team/app/blobs/sha256:abc", "team/app")]
    // A name may have a "blobs" component of its own; only a digest (it has a ':') after the last one splits.
    [InlineData("team/blobs/app", "team/blobs/app")]
    [InlineData("team/blobs/app/blobs/sha256:abc", "team/blobs/app")]
    [InlineData("team/app/blobs/notadigest", "team/app/blobs/notadigest")]
    public void The_guard_reads_the_repository_as_the_repository_api_does(string path, string repository) =>
        Assert.Equal(repository, RegistryGuard.RepositoryOf(path));
}
