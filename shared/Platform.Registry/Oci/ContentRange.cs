using System.Globalization;

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
