using Platform.Registry.Routing;

namespace Platform.Gateway.Routing;

/// <summary>
/// Route constraint `oci(ingest)` / `oci(metadata)`: which service answers an OCI path. Repository names contain
/// slashes, which route templates cannot express, so the path is parsed the same way the services parse it.
/// Whatever is not Ingest's (including paths that are no endpoint) goes to Metadata, which answers with the
/// spec's error JSON. `oci(upload)` matches upload-session requests, which take Ingest's upload lane when it
/// has one (see <see cref="BackendRouting"/>).
/// </summary>
internal sealed class OciServiceConstraint(string service) : IRouteConstraint
{
    public const string Name = "oci";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection)
    {
        var path = values.TryGetValue(routeKey, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
        var method = httpContext?.Request.Method ?? HttpMethods.Get;
        var parsedOk = OciRoute.TryParse(path, out var parsed);
        if (string.Equals(service, "upload", StringComparison.OrdinalIgnoreCase))
            return parsedOk && parsed.IsUpload;
        var ingest = parsedOk && parsed.IsIngest(method);
        return string.Equals(service, "ingest", StringComparison.OrdinalIgnoreCase) ? ingest : !ingest;
    }
}
