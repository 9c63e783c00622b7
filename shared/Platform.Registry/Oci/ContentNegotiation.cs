using Microsoft.Extensions.Primitives;

namespace Platform.Registry.Oci;

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
