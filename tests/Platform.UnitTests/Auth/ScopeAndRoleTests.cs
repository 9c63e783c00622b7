using Platform.Gateway.Auth;

namespace Platform.UnitTests.Auth;

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

public sealed class RolePolicyTests
{
    [Theory]
    [InlineData(Role.Reader, new[] { "pull" })]
    [InlineData(Role.Developer, new[] { "pull", "push" })]
    [InlineData(Role.Maintainer, new[] { "pull", "push", "delete" })]
    [InlineData(Role.Owner, new[] { "pull", "push", "delete" })]
    public void Roles_grant_their_actions(Role role, string[] actions) =>
        Assert.Equal(actions.Order(), RolePolicy.ActionsOf(role).Order());

    [Fact]
    public void Public_namespaces_add_pull_for_everyone_and_admins_get_everything()
    {
        Assert.Empty(RolePolicy.Allowed(isAdmin: false, role: null, namespaceIsPublic: false));
        Assert.Equal(["pull"], RolePolicy.Allowed(false, null, true));
        Assert.Contains("delete", RolePolicy.Allowed(true, null, false));
        Assert.Contains("*", RolePolicy.Allowed(true, null, false));
    }

    [Fact]
    public void Denied_actions_are_left_out_of_the_grant()
    {
        var allowed = RolePolicy.Allowed(false, Role.Developer, false);
        Assert.Equal(["pull", "push"], RolePolicy.Grant(["pull", "push", "delete", "*"], allowed));
    }

    [Theory]
    [InlineData("GET", "pull")]
    [InlineData("HEAD", "pull")]
    [InlineData("POST", "push")]
    [InlineData("PUT", "push")]
    [InlineData("PATCH", "push")]
    [InlineData("DELETE", "delete")]
    public void The_method_says_the_action(string method, string action) =>
        Assert.Equal(action, RolePolicy.RequiredAction(method));

    [Theory]
    [InlineData("owner", Role.Owner)]
    [InlineData("Maintainer", Role.Maintainer)]
    [InlineData("reader", Role.Reader)]
    public void Roles_parse_case_insensitively(string text, Role role)
    {
        Assert.True(RolePolicy.TryParseRole(text, out var parsed));
        Assert.Equal(role, parsed);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("7")]
    [InlineData(null)]
    public void Unknown_roles_are_refused(string? text) => Assert.False(RolePolicy.TryParseRole(text, out _));
}
