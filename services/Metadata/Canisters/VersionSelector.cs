using Platform.Canisters;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Canisters;

public enum SelectorOutcome
{
    Found,
    NotFound,
    Ambiguous,
    Invalid,
}

public sealed record Selection(SelectorOutcome Outcome, CanisterVersion? Version, string Reason, IReadOnlyList<string>? Candidates = null);

/// <summary>
/// Picks one version for a selector as deploy files write it: <c>main:latest</c> (the branch's head), <c>main:v1.2.0</c>
/// (a tag on a branch), <c>v1.2.0</c> (a tag on any branch), a commit (a prefix of at least 7 hex digits) or a manifest
/// digest. Where several versions qualify (the same tag or commit pushed again, plain then gzip) the newest push wins,
/// as the generated OCI tag would; a commit prefix shared by two commits is ambiguous. A bare word is a tag first,
/// then a commit prefix.
/// </summary>
public static class VersionSelector
{
    public const int MinCommitPrefix = 7;

    public static Selection Resolve(IEnumerable<CanisterVersion> live, string selector)
    {
        var versions = live.OrderByDescending(v => v.PushedAt).ThenBy(v => v.Digest, StringComparer.Ordinal).ToList();
        if (string.IsNullOrWhiteSpace(selector))
            return new(SelectorOutcome.Invalid, null, "selector is required: branch:latest, branch:tag, tag, commit or digest");

        if (selector.StartsWith("sha256:", StringComparison.Ordinal) || selector.StartsWith("sha512:", StringComparison.Ordinal))
        {
            if (!Digest.TryParse(selector, out var digest, out var why))
                return new(SelectorOutcome.Invalid, null, $"'{selector}' is not a valid digest: {why}");
            return Pick(versions.Where(v => v.Digest == digest.ToString()), $"no version has digest {digest}");
        }

        var colon = selector.LastIndexOf(':');
        if (colon >= 0)
        {
            var (branch, rest) = (selector[..colon], selector[(colon + 1)..]);
            if (branch.Length == 0 || rest.Length == 0)
                return new(SelectorOutcome.Invalid, null, $"'{selector}' is not branch:latest or branch:tag");
            var onBranch = versions.Where(v => v.Branch == branch);
            return rest == VersionTags.Latest
                ? Pick(onBranch, $"branch '{branch}' has no versions")
                : Pick(onBranch.Where(v => v.Tag == rest), $"branch '{branch}' has no version tagged '{rest}'");
        }

        var tagged = versions.Where(v => v.Tag == selector).ToList();
        if (tagged.Count > 0)
            return Pick(tagged, "");
        if (VersionTags.IsLowerHex(selector) && selector.Length is >= MinCommitPrefix and <= 64)
        {
            var matching = versions.Where(v => v.Commit.StartsWith(selector, StringComparison.Ordinal)).ToList();
            var commits = matching.Select(v => v.Commit).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (commits.Count > 1)
                return new(SelectorOutcome.Ambiguous, null, $"commit prefix '{selector}' matches {commits.Count} commits", commits);
            return Pick(matching, $"no version has a tag '{selector}' or a commit starting with it");
        }
        if (VersionTags.IsLowerHex(selector))
            return new(SelectorOutcome.NotFound, null, $"no version is tagged '{selector}' (a commit prefix needs at least {MinCommitPrefix} hex digits)");
        return new(SelectorOutcome.NotFound, null, $"no version is tagged '{selector}'");
    }

    private static Selection Pick(IEnumerable<CanisterVersion> newestFirst, string notFound) =>
        newestFirst.FirstOrDefault() is { } version
            ? new(SelectorOutcome.Found, version, "")
            : new(SelectorOutcome.NotFound, null, notFound);
}
