using Yarp.ReverseProxy.Configuration;

namespace Platform.Gateway.Routing;

/// <summary>The public API's shape: which service answers which path.</summary>
public static class GatewayRoutes
{
    public static IReadOnlyList<RouteConfig> All { get; } = [];
}
