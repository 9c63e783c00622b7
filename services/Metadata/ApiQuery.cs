using System.Globalization;
using Platform.Metadata.Repositories;

namespace Platform.Metadata;

/// <summary>The platform API's common query parameters: page size <c>n</c> and the time-travel <c>at</c>.</summary>
internal static class ApiQuery
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public static bool TryPageSize(HttpContext http, out int n, out IResult? problem)
    {
        var text = http.Request.Query["n"].ToString();
        n = DefaultPageSize;
        problem = null;
        if (text.Length == 0
            || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n is >= 1 and <= MaxPageSize))
            return true;
        problem = Problems.BadRequest("invalid page size", $"n must be a whole number from 1 to {MaxPageSize}");
        return false;
    }

    /// <summary><c>at</c>: an RFC 3339 time (UTC when it names no offset); null when absent.</summary>
    public static bool TryAt(HttpContext http, out DateTimeOffset? at, out IResult? problem)
    {
        var text = http.Request.Query["at"].ToString();
        at = null;
        problem = null;
        if (text.Length == 0)
            return true;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            at = parsed;
            return true;
        }
        problem = Problems.BadRequest("invalid time", $"at must be an RFC 3339 time (e.g. 2026-01-31T12:00:00Z), not '{text}'");
        return false;
    }
}
