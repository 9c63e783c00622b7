namespace Platform.Gateway.Auth.Tokens;

/// <summary>Actions of the token spec on a repository.</summary>
internal static class Actions
{
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";
    public const string All = "*";
}

/// <summary>
/// One entry of a token's "access" claim, or one requested scope: <c>repository:library/alpine:pull,push</c>.
/// Repository names may hold ':' only in theory (not in OCI names), so the type is up to the first ':', the actions
/// after the last one, and the name is what is between.
/// </summary>
internal sealed record AccessEntry(string Type, string Name, IReadOnlyList<string> Actions)
{
    public const string Repository = "repository";
    public const string Registry = "registry";

    public bool Allows(string type, string name, string action) =>
        Type == type && Name == name && (Actions.Contains(action) || Actions.Contains(global::Platform.Gateway.Auth.Tokens.Actions.All));

    public override string ToString() => $"{Type}:{Name}:{string.Join(',', Actions)}";
}

internal static class ScopeParser
{
    /// <summary>
    /// Parses the scope parameters of a token request. Each value may hold several scopes separated by spaces
    /// (the OAuth2 form); malformed ones are skipped (the spec: "the token server should ignore them").
    /// Scopes for the same resource are merged.
    /// </summary>
    public static IReadOnlyList<AccessEntry> Parse(IEnumerable<string?> values)
    {
        var merged = new List<AccessEntry>();
        foreach (var value in values)
        {
            if (string.IsNullOrWhiteSpace(value))
                continue;
            foreach (var raw in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!TryParse(raw, out var entry))
                    continue;
                var i = merged.FindIndex(e => e.Type == entry.Type && e.Name == entry.Name);
                if (i < 0)
                    merged.Add(entry);
                else
                    merged[i] = merged[i] with { Actions = merged[i].Actions.Union(entry.Actions).ToArray() };
            }
        }
        return merged;
    }

    public static bool TryParse(string scope, out AccessEntry entry)
    {
        entry = null!;
        var first = scope.IndexOf(':');
        var last = scope.LastIndexOf(':');
        if (first <= 0 || last <= first + 1 || last == scope.Length - 1)
            return false;
        var type = scope[..first];
        // "repository(plugin):name:pull": a resource class some clients send; the class is ignored.
        var paren = type.IndexOf('(');
        if (paren > 0 && type.EndsWith(')'))
            type = type[..paren];
        var name = scope[(first + 1)..last];
        var actions = scope[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).ToArray();
        if (type.Length == 0 || name.Length == 0 || actions.Length == 0)
            return false;
        entry = new AccessEntry(type, name, actions);
        return true;
    }

    /// <summary>The namespace of a repository: its first path segment ("library" of "library/alpine").</summary>
    public static string NamespaceOf(string repository) => Platform.Registry.Oci.RepositoryName.NamespaceOf(repository);
}
