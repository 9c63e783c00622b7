using Platform.Gateway.Auth.Accounts;

namespace Platform.UnitTests.Auth.Accounts;

public sealed class RolePolicyTests
{
    [Theory]
    [InlineData(nameof(Role.Reader), new[] { "pull" })]
    [InlineData(nameof(Role.Developer), new[] { "pull", "push" })]
    [InlineData(nameof(Role.Maintainer), new[] { "pull", "push", "delete" })]
    [InlineData(nameof(Role.Owner), new[] { "pull", "push", "delete" })]
    public void Roles_grant_their_actions(string role, string[] actions) =>
        Assert.Equal(actions.Order(), RolePolicy.ActionsOf(Enum.Parse<Role>(role)).Order());

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
    [InlineData("owner", nameof(Role.Owner))]
    [InlineData("Maintainer", nameof(Role.Maintainer))]
    [InlineData("reader", nameof(Role.Reader))]
    public void Roles_parse_case_insensitively(string text, string role)
    {
        Assert.True(RolePolicy.TryParseRole(text, out var parsed));
        Assert.Equal(Enum.Parse<Role>(role), parsed);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("7")]
    [InlineData(null)]
    public void Unknown_roles_are_refused(string? text) => Assert.False(RolePolicy.TryParseRole(text, out _));
}
