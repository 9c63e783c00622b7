namespace Platform.Registry.Routing;

public enum OciRouteKind
{
    /// <summary>/v2/_catalog</summary>
    Catalog,
    /// <summary>/v2/&lt;name&gt;/tags/list</summary>
    TagList,
    /// <summary>/v2/&lt;name&gt;/manifests/&lt;reference&gt;</summary>
    Manifest,
    /// <summary>/v2/&lt;name&gt;/referrers/&lt;digest&gt;</summary>
    Referrers,
    /// <summary>/v2/&lt;name&gt;/blobs/&lt;digest&gt;</summary>
    Blob,
    /// <summary>/v2/&lt;name&gt;/blobs/uploads/ (start a session)</summary>
    UploadStart,
    /// <summary>/v2/&lt;name&gt;/blobs/uploads/&lt;session&gt;</summary>
    UploadSession,
}

/// <summary>
/// One parsed OCI Distribution path. Repository names contain slashes (and may even contain a component called
/// "blobs" or "manifests"), so a path is read from its end: the last one or two segments say what it is, and
/// everything before them is the repository name. The name is not validated here.
/// </summary>
public readonly record struct OciRoute(OciRouteKind Kind, string Name, string Reference)
{
    /// <param name="path">The path after "/v2/", e.g. "library/alpine/manifests/latest".</param>
    public static bool TryParse(string? path, out OciRoute route)
    {
        route = default;
        if (string.IsNullOrEmpty(path))
            return false;
        if (path == "_catalog")
        {
            route = new OciRoute(OciRouteKind.Catalog, "", "");
            return true;
        }

        var segments = path.Split('/');
        var n = segments.Length;
        if (n < 3)
            return false;

        string Name(int drop) => string.Join('/', segments, 0, n - drop);
        string last = segments[n - 1], second = segments[n - 2];

        if (second == "tags" && last == "list")
            route = new OciRoute(OciRouteKind.TagList, Name(2), "");
        else if (second == "manifests" && last.Length > 0)
            route = new OciRoute(OciRouteKind.Manifest, Name(2), last);
        else if (second == "referrers" && last.Length > 0)
            route = new OciRoute(OciRouteKind.Referrers, Name(2), last);
        else if (second == "uploads" && last.Length == 0 && n >= 4 && segments[n - 3] == "blobs")
            route = new OciRoute(OciRouteKind.UploadStart, Name(3), "");
        else if (second == "blobs" && last == "uploads")
            route = new OciRoute(OciRouteKind.UploadStart, Name(2), "");
        else if (second == "uploads" && n >= 4 && segments[n - 3] == "blobs")
            route = new OciRoute(OciRouteKind.UploadSession, Name(3), last);
        else if (second == "blobs" && last.Length > 0)
            route = new OciRoute(OciRouteKind.Blob, Name(2), last);
        else
            return false;

        return route.Name.Length > 0 || route.Kind == OciRouteKind.Catalog;
    }

    /// <summary>Served by Ingest: everything that writes, and blob bytes (Ingest owns the content store).</summary>
    public bool IsIngest(string method) => Kind switch
    {
        OciRouteKind.Blob or OciRouteKind.UploadStart or OciRouteKind.UploadSession => true,
        OciRouteKind.Manifest => !HttpMethodsIsRead(method),
        _ => false,
    };

    /// <summary>An upload session's request (start, chunk, status, finish, cancel): where blob bytes come in.</summary>
    public bool IsUpload => Kind is OciRouteKind.UploadStart or OciRouteKind.UploadSession;

    private static bool HttpMethodsIsRead(string method) =>
        string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase) ||
        string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase);
}
