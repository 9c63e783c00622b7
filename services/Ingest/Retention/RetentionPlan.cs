using System.Text.RegularExpressions;
using Platform.Registry.ReadModels;

namespace Platform.Ingest.Retention;

/// <summary>
/// What a namespace's rules take from one repository, as a pure decision on its state (the writer makes it on the
/// state it appends to). The tag rule runs first, so a manifest whose only tags it deleted is untagged for the
/// manifest rule of the same run. Every rule errs on keeping: what cannot be decided (a state written before the
/// fields it needs, a pattern that times out) stays.
/// </summary>
internal static class RetentionPlan
{
    public static (IReadOnlyList<string> Tags, IReadOnlyList<string> Manifests) Decide(
        RepositoryState state, RetentionRules rules, DateTimeOffset now)
    {
        var tags = rules.KeepLastTags is { } keep ? ExpiredTags(state, keep, rules.TagPattern()!) : [];
        var manifests = rules.UntaggedOlderThan is { } age ? UntaggedManifests(state, tags, now - age) : [];
        return (tags, manifests);
    }

    /// <summary>
    /// The tags matching the pattern beyond the <see cref="KeepLastTags.Count"/> most recently moved. Ordered by
    /// when each tag last moved, newest first; equal times (one clock tick) by name, the ordinally greater one counted
    /// as newer, so the decision is the same every run. A state without move times for its tags (written before
    /// they were tracked) is left alone until its projection is rebuilt.
    /// </summary>
    public static IReadOnlyList<string> ExpiredTags(RepositoryState state, KeepLastTags keep, Regex pattern)
    {
        if (state.Tags.Keys.Any(t => !state.TagMovedAt.ContainsKey(t)))
            return [];
        var matching = new List<string>();
        foreach (var tag in state.Tags.Keys)
        {
            try
            {
                if (pattern.IsMatch(tag))
                    matching.Add(tag);
            }
            catch (RegexMatchTimeoutException)
            {
                // Undecidable within the timeout: treated as not matching, and tags not matching are never touched.
            }
        }
        return
        [
            .. matching
                .OrderByDescending(t => state.TagMovedAt[t])
                .ThenByDescending(t => t, StringComparer.Ordinal)
                .Skip(keep.Count)
                .Order(StringComparer.Ordinal),
        ];
    }

    /// <summary>
    /// Untagged manifests pushed before <paramref name="cutoff"/>, found as the complement of what stays: a manifest
    /// stays when a tag (one the tag rule keeps) points at it or it was pushed since the cutoff, and whatever a staying
    /// manifest references stays with it: an index's children, and the referrers (manifests whose subject it is:
    /// signatures, SBOMs) of any staying manifest, however old. Referrers do not keep their subject alive: an
    /// untagged old image goes, and its untagged referrers go with it, whatever their age (they describe nothing once
    /// it is gone). A referrer whose subject is not in the repository is judged as any other manifest.
    /// </summary>
    public static IReadOnlyList<string> UntaggedManifests(RepositoryState state, IReadOnlyCollection<string> deletedTags, DateTimeOffset cutoff)
    {
        // Without the links of every manifest, an index child or a referrer could be mistaken for garbage.
        if (state.Manifests.Keys.Any(m => !state.ManifestLinks.ContainsKey(m)))
            return [];
        var deleted = deletedTags.ToHashSet(StringComparer.Ordinal);
        var tagged = state.Tags.Where(t => !deleted.Contains(t.Key)).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);

        var referrers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (digest, links) in state.ManifestLinks)
            if (links.Subject is { } subject && state.Manifests.ContainsKey(subject))
                (referrers.TryGetValue(subject, out var list) ? list : referrers[subject] = []).Add(digest);

        var live = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        foreach (var (digest, summary) in state.Manifests)
        {
            var isReferrer = state.ManifestLinks[digest].Subject is { } s && state.Manifests.ContainsKey(s);
            if (tagged.Contains(digest) || (summary.PushedAt >= cutoff && !isReferrer))
                pending.Push(digest);
        }
        while (pending.TryPop(out var digest))
        {
            if (!live.Add(digest))
                continue;
            foreach (var child in state.ManifestLinks.GetValueOrDefault(digest)?.Manifests ?? [])
                if (state.Manifests.ContainsKey(child))
                    pending.Push(child);
            foreach (var referrer in referrers.GetValueOrDefault(digest) ?? [])
                pending.Push(referrer);
        }
        return [.. state.Manifests.Keys.Where(m => !live.Contains(m)).Order(StringComparer.Ordinal)];
    }
}
