using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Platform.Registry.Oci;

/// <summary>One page of a lexically ordered list (tags, repositories) and the cursor to the next.</summary>
public sealed record Page(IReadOnlyList<string> Items, int Requested, bool HasMore)
{
    public string? Last => Items.Count > 0 ? Items[^1] : null;
}

public static class Pagination
{
    /// <summary>
    /// Applies the spec's <c>n</c> (at most n items) and <c>last</c> (items after it, lexically) to an ordinal
    /// ordered list. Without <c>n</c> everything after <c>last</c> is returned.
    /// </summary>
    public static bool TryPage(IReadOnlyList<string> ordered, StringValues n, StringValues last, out Page page, out OciError? error)
    {
        page = null!;
        error = null;
        int? limit = null;
        if (!StringValues.IsNullOrEmpty(n))
        {
            if (!int.TryParse(n.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                error = new OciError(OciErrorCode.PaginationNumberInvalid, "n must be a non-negative integer", new { n = n.ToString() });
                return false;
            }
            limit = parsed;
        }

        var after = last.ToString();
        var start = 0;
        if (after.Length > 0)
        {
            // First index whose item sorts after `last`; `last` itself need not exist.
            var lo = 0;
            var hi = ordered.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (string.CompareOrdinal(ordered[mid], after) <= 0) lo = mid + 1; else hi = mid;
            }
            start = lo;
        }
        var remaining = ordered.Count - start;
        var take = limit is { } l ? Math.Min(l, remaining) : remaining;
        var items = new string[take];
        for (var i = 0; i < take; i++)
            items[i] = ordered[start + i];
        page = new Page(items, limit ?? take, take < remaining && take > 0);
        return true;
    }

    /// <summary>RFC 8288 <c>Link</c> to the next page, as the spec's tag listing describes it.</summary>
    public static string NextLink(string basePath, Page page) =>
        $"<{basePath}?n={page.Requested.ToString(CultureInfo.InvariantCulture)}&last={Uri.EscapeDataString(page.Last ?? "")}>; rel=\"next\"";
}
