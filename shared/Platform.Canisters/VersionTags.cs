namespace Platform.Canisters;

/// <summary>
/// The OCI tags a version's metadata gives it, so a plain OCI client can pull versions too: <c>&lt;branch&gt;-latest</c>
/// (the branch's head), <c>&lt;tag&gt;</c> and <c>sha-&lt;commit&gt;</c>. Branch names may hold characters a tag cannot
/// (<c>feature/login</c>): each character outside <c>[A-Za-z0-9._-]</c> becomes <c>-</c>, and a first character a tag
/// cannot start with (anything but a letter, digit or <c>_</c>) becomes <c>_</c>, so <c>feature/login</c> is tagged <c>feature-login-latest</c>. Two branches that differ only
/// there share the tag; the platform API keeps the exact branch.
/// </summary>
public static class VersionTags
{
    /// <summary>The distribution spec's tag length limit.</summary>
    public const int MaxTagLength = 128;

    public const string LatestSuffix = "-latest";
    public const string CommitPrefix = "sha-";

    /// <summary>The selector word for a branch's head (<c>main:latest</c>).</summary>
    public const string Latest = "latest";

    public static IReadOnlyList<string> For(string branch, string? tag, string commit)
    {
        List<string> tags = [TagSafe(branch) + LatestSuffix];
        if (tag is not null)
            tags.Add(tag);
        tags.Add(CommitPrefix + commit);
        return tags;
    }

    public static string TagSafe(string branch) => string.Create(branch.Length, branch, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            span[i] = char.IsAsciiLetterOrDigit(c) || c == '_' || (i > 0 && c is '.' or '-') ? c
                : i == 0 ? '_'
                : '-';
        }
    });

    /// <summary>What is wrong with a branch name (git's rules that matter here), or null.</summary>
    public static string? BranchProblem(string branch)
    {
        if (branch.Length > CanisterConfigReader.MaxBranchLength)
            return $"branch is {branch.Length} characters; at most {CanisterConfigReader.MaxBranchLength} (its tag, with \"-latest\", must fit {MaxTagLength})";
        // ':' separates branch and tag in a selector (main:v1.2.0); the rest is what git refuses in a ref name.
        if (branch.Any(c => c <= ' ' || c == 0x7F || c is ':' or '~' or '^' or '?' or '*' or '[' or '\\')
            || branch.StartsWith('/') || branch.EndsWith('/') || branch.StartsWith('-') || branch.Contains("..", StringComparison.Ordinal)
            || branch.Contains("//", StringComparison.Ordinal) || branch.EndsWith(".lock", StringComparison.Ordinal) || branch.EndsWith('.')
            || branch.Contains("@{", StringComparison.Ordinal))
            return $"'{branch}' is not a valid git branch name";
        return null;
    }

    /// <summary>What is wrong with a version tag (an OCI tag that does not pass for a generated one), or null.</summary>
    public static string? TagProblem(string tag)
    {
        if (!IsOciTag(tag))
            return $"'{tag}' is not a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{{0,127}})";
        if (tag == Latest || tag.EndsWith(LatestSuffix, StringComparison.Ordinal) || tag.StartsWith(CommitPrefix, StringComparison.Ordinal))
            return $"'{tag}' would read as a generated tag (latest, <branch>-latest, sha-<commit>)";
        return null;
    }

    public static bool IsOciTag(string tag) =>
        tag.Length is > 0 and <= MaxTagLength
        && (char.IsAsciiLetterOrDigit(tag[0]) || tag[0] == '_')
        && tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    /// <summary>A full git object name: SHA-1 (40) or SHA-256 (64) in lowercase hex.</summary>
    public static bool IsCommit(string commit) =>
        commit.Length is 40 or 64 && IsLowerHex(commit);

    public static bool IsLowerHex(string text) => text.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0;
}
