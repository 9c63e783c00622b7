using Platform.Gateway.Auth.Tokens;

namespace Platform.Gateway.Auth.Accounts;

/// <summary>A membership's role in a namespace, weakest first.</summary>
internal enum Role
{
    Reader = 0,
    Developer = 1,
    Maintainer = 2,
    Owner = 3,
}

/// <summary>What a role, admin status or public namespace permits on a repository.</summary>
internal static class RolePolicy
{
    public static bool TryParseRole(string? value, out Role role) =>
        Enum.TryParse(value, ignoreCase: true, out role) && Enum.IsDefined(role);

    /// <summary>The actions <paramref name="role"/> grants: reader pulls, developer also pushes, maintainer and owner also delete.</summary>
    public static IReadOnlySet<string> ActionsOf(Role role) => role switch
    {
        Role.Reader => new HashSet<string> { Actions.Pull },
        Role.Developer => new HashSet<string> { Actions.Pull, Actions.Push },
        _ => new HashSet<string> { Actions.Pull, Actions.Push, Actions.Delete },
    };

    /// <summary>
    /// The actions an account may take on a repository. <paramref name="role"/> is its membership in the
    /// repository's namespace (null: none); public namespaces let anyone, even anonymous, pull.
    /// </summary>
    public static IReadOnlySet<string> Allowed(bool isAdmin, Role? role, bool namespaceIsPublic)
    {
        if (isAdmin)
            return new HashSet<string> { Actions.Pull, Actions.Push, Actions.Delete, Actions.All };
        var allowed = role is { } r ? new HashSet<string>(ActionsOf(r)) : new HashSet<string>();
        if (namespaceIsPublic)
            allowed.Add(Actions.Pull);
        return allowed;
    }

    /// <summary>The requested actions that are allowed ("*" only for whoever is allowed "*"). The spec: denied ones are left out.</summary>
    public static IReadOnlyList<string> Grant(IEnumerable<string> requested, IReadOnlySet<string> allowed) =>
        requested.Where(allowed.Contains).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The action a /v2 request needs: GET/HEAD pull, DELETE delete, other writes push.</summary>
    public static string RequiredAction(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? Actions.Pull
        : HttpMethods.IsDelete(method) ? Actions.Delete
        : Actions.Push;
}
