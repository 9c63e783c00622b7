using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Platform.Registry.Oci;

/// <summary>A chunk's byte range as a PATCH declares it in <c>Content-Range</c>.</summary>
public readonly record struct ContentRange(long Start, long End)
{
    public long Length => End - Start + 1;

    /// <summary>
    /// The spec's form is <c>&lt;start&gt;-&lt;end&gt;</c> (inclusive). Clients also send the RFC 9110 form
    /// <c>bytes start-end/total</c> or <c>bytes=start-end</c>: accept those too, they mean the same.
    /// </summary>
    public static bool TryParse(string? header, out ContentRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(header))
            return false;
        var s = header.Trim();
        if (s.StartsWith("bytes", StringComparison.OrdinalIgnoreCase))
            s = s[5..].TrimStart(' ', '=');
        var slash = s.IndexOf('/');
        if (slash >= 0)
            s = s[..slash];
        var dash = s.IndexOf('-');
        if (dash <= 0)
            return false;
        if (!long.TryParse(s.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(s.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            || end < start)
            return false;
        range = new ContentRange(start, end);
        return true;
    }

    /// <summary>The upload status <c>Range</c> header: the bytes durably received, inclusive ("0-0" when none).</summary>
    public static string FormatUploadRange(long offset) =>
        offset <= 0 ? "0-0" : $"0-{(offset - 1).ToString(CultureInfo.InvariantCulture)}";

    public override string ToString() => $"{Start}-{End}";
}

public static class ContentNegotiation
{
    /// <summary>
    /// Whether a client's Accept header admits the stored media type. No Accept (or a wildcard) admits anything;
    /// the registry never converts a manifest, so an explicit list that excludes the type gets MANIFEST_UNKNOWN,
    /// as distribution answers.
    /// </summary>
    public static bool Accepts(StringValues accept, string mediaType)
    {
        var any = false;
        foreach (var header in accept)
        {
            if (string.IsNullOrWhiteSpace(header))
                continue;
            foreach (var part in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                any = true;
                var semicolon = part.IndexOf(';');
                var type = (semicolon >= 0 ? part[..semicolon] : part).Trim();
                if (type == "*/*" || type.Equals(mediaType, StringComparison.OrdinalIgnoreCase))
                    return true;
                if (type.EndsWith("/*", StringComparison.Ordinal)
                    && mediaType.StartsWith(type[..^1], StringComparison.OrdinalIgnoreCase))
                    return true;
            }
        }
        return !any;
    }
}

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
