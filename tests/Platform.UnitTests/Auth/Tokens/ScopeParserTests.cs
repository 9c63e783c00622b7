using Platform.Gateway.Auth.Tokens;

namespace Platform.UnitTests.Auth.Tokens;

public sealed class ScopeParserTests
{
    [Fact]
    public void Parses_type_name_and_actions_with_slashes_in_the_name()
    {
        Assert.True(ScopeParser.TryParse("repository:library/alpine/edge:pull,push", out var e));
        Assert.Equal(("repository", "library/alpine/edge"), (e.Type, e.Name));
        Assert.Equal(["pull", "push"], e.Actions);
    }

    [Fact]
    public void Ignores_the_resource_class_and_merges_repeated_scopes()
    {
        var scopes = ScopeParser.Parse(["repository(plugin):a/x:pull", "repository:a/x:push repository:b/y:pull", null, ""]);
        Assert.Equal(2, scopes.Count);
        Assert.Equal(["pull", "push"], scopes[0].Actions);
        Assert.Equal("b/y", scopes[1].Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("repository")]
    [InlineData("repository:a/x")]
    [InlineData("repository::pull")]
    [InlineData("repository:a/x:")]
    [InlineData(":a/x:pull")]
    public void Malformed_scopes_are_skipped(string scope)
    {
        Assert.False(ScopeParser.TryParse(scope, out _));
        Assert.Empty(ScopeParser.Parse([scope]));
    }

    [Theory]
    [InlineData("library/alpine", "library")]
    [InlineData("alpine", "alpine")]
    [InlineData("a/b/c", "a")]
    public void The_namespace_is_the_first_segment(string repository, string ns) =>
        Assert.Equal(ns, ScopeParser.NamespaceOf(repository));

    [Fact]
    public void An_access_entry_allows_its_actions_and_star_allows_all()
    {
        var entry = new AccessEntry("repository", "a/x", ["pull"]);
        Assert.True(entry.Allows("repository", "a/x", "pull"));
        Assert.False(entry.Allows("repository", "a/x", "push"));
        Assert.False(entry.Allows("repository", "a/y", "pull"));
        Assert.True(new AccessEntry("repository", "a/x", ["*"]).Allows("repository", "a/x", "delete"));
    }
}
