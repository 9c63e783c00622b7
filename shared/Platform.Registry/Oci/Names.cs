using System.Text.RegularExpressions;

namespace Platform.Registry.Oci;

/// <summary>Repository names, by the distribution-spec grammar for <c>&lt;name&gt;</c>.</summary>
public static partial class RepositoryName
{
    /// <summary>Many clients refuse longer names (with the host they must fit in 255 characters).</summary>
    public const int MaxLength = 255;

    [GeneratedRegex(@"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } && Grammar().IsMatch(name);
}

/// <summary>Tags, by the distribution-spec grammar: <c>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}</c>.</summary>
public static partial class Tag
{
    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    public static bool IsValid(string? tag) => tag is { Length: > 0 } && Grammar().IsMatch(tag);
}
