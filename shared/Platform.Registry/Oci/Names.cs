using System.Text.RegularExpressions;

namespace Platform.Registry.Oci;

/// <summary>Repository names, by the distribution-spec grammar for <c>&lt;name&gt;</c>.</summary>
public static partial class RepositoryName
{
    /// <summary>Many clients refuse longer names (with the host they must fit in 255 characters).</summary>
    public const int MaxLength = 255;

    [GeneratedRegex(@"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } && Grammar().IsMatch(name);

    /// <summary>The namespace a repository belongs to: its first path component (a name without '/' is its own).</summary>
    public static string NamespaceOf(string repository) =>
        repository.IndexOf('/') is var slash and > 0 ? repository[..slash] : repository;
}

/// <summary>Tags, by the distribution-spec grammar: <c>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}</c>.</summary>
public static partial class Tag
{
    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    public static bool IsValid(string? tag) => tag is { Length: > 0 } && Grammar().IsMatch(tag);
}

/// <summary>The &lt;reference&gt; of a manifest URL: a digest (it has a ':', which no tag can) or a tag.</summary>
public readonly record struct ManifestReference(string? Tag, Digest? Digest)
{
    public bool IsDigest => Digest is not null;

    public static bool TryParse(string reference, out ManifestReference parsed, out OciError? error)
    {
        parsed = default;
        error = null;
        if (reference.Contains(':'))
        {
            if (!Oci.Digest.TryParse(reference, out var digest, out _))
            {
                error = new OciError(OciErrorCode.DigestInvalid, "reference is not a valid digest", new { reference });
                return false;
            }
            parsed = new ManifestReference(null, digest);
            return true;
        }
        if (!Oci.Tag.IsValid(reference))
        {
            error = new OciError(OciErrorCode.ManifestInvalid, "tag is invalid", new { tag = reference });
            return false;
        }
        parsed = new ManifestReference(reference, null);
        return true;
    }
}
