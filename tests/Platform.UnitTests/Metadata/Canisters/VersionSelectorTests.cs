using Platform.Metadata.Canisters;
using Platform.Registry.ReadModels;

namespace Platform.UnitTests.Metadata.Canisters;

public sealed class VersionSelectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static CanisterVersion V(string digest, string branch, string? tag, string commit, int minute) => new()
    {
        Digest = digest, Branch = branch, Tag = tag, Commit = commit, PushedAt = T0.AddMinutes(minute),
    };

    private static readonly string C1 = "1111111" + new string('a', 33);
    private static readonly string C2 = "2222222" + new string('b', 33);
    private static readonly string C3 = "abcdef1" + new string('c', 33);
    private static readonly string C4 = "abcdef1" + new string('d', 33);

    private static readonly CanisterVersion[] Versions =
    [
        V("sha256:" + new string('1', 64), "main", "v1.0.0", C1, 1),
        V("sha256:" + new string('2', 64), "main", "v1.1.0", C2, 2),
        // The same commit pushed again (gzip this time): the newer push wins.
        V("sha256:" + new string('3', 64), "main", "v1.1.0", C2, 3),
        V("sha256:" + new string('4', 64), "feature/x", null, C3, 4),
        V("sha256:" + new string('5', 64), "feature/x", "v1.0.0", C4, 5),
    ];

    [Theory]
    [InlineData("main:latest", '3')]
    [InlineData("main:v1.0.0", '1')]
    [InlineData("main:v1.1.0", '3')]
    [InlineData("feature/x:latest", '5')]
    [InlineData("feature/x:v1.0.0", '5')]
    [InlineData("v1.0.0", '5')]
    [InlineData("v1.1.0", '3')]
    [InlineData("1111111", '1')]
    [InlineData("2222222bbb", '3')]
    [InlineData("abcdef1c", '4')]
    public void Each_form_finds_the_newest_matching_version(string selector, char digit)
    {
        var found = VersionSelector.Resolve(Versions, selector);
        Assert.Equal(SelectorOutcome.Found, found.Outcome);
        Assert.Equal("sha256:" + new string(digit, 64), found.Version!.Digest);
    }

    [Fact]
    public void A_digest_finds_exactly_that_version()
    {
        var found = VersionSelector.Resolve(Versions, "sha256:" + new string('2', 64));
        Assert.Equal("sha256:" + new string('2', 64), found.Version!.Digest);
        Assert.Equal(SelectorOutcome.NotFound, VersionSelector.Resolve(Versions, "sha256:" + new string('9', 64)).Outcome);
        Assert.Equal(SelectorOutcome.Invalid, VersionSelector.Resolve(Versions, "sha256:xyz").Outcome);
    }

    [Fact]
    public void A_prefix_of_two_commits_is_ambiguous()
    {
        var found = VersionSelector.Resolve(Versions, "abcdef1");
        Assert.Equal(SelectorOutcome.Ambiguous, found.Outcome);
        Assert.Equal([C3, C4], found.Candidates);
    }

    [Theory]
    [InlineData("v9", SelectorOutcome.NotFound)]
    [InlineData("main:v9", SelectorOutcome.NotFound)]
    [InlineData("other:latest", SelectorOutcome.NotFound)]
    [InlineData("111111", SelectorOutcome.NotFound)]
    [InlineData("9999999", SelectorOutcome.NotFound)]
    [InlineData("", SelectorOutcome.Invalid)]
    [InlineData(":latest", SelectorOutcome.Invalid)]
    [InlineData("main:", SelectorOutcome.Invalid)]
    public void Everything_else_is_not_found_or_invalid(string selector, SelectorOutcome outcome) =>
        Assert.Equal(outcome, VersionSelector.Resolve(Versions, selector).Outcome);

    [Fact]
    public void A_tag_wins_over_a_commit_prefix_that_looks_the_same()
    {
        CanisterVersion[] versions = [V("sha256:" + new string('1', 64), "main", "1111111", C2, 1), V("sha256:" + new string('2', 64), "main", null, C1, 2)];
        Assert.Equal("sha256:" + new string('1', 64), VersionSelector.Resolve(versions, "1111111").Version!.Digest);
    }
}
