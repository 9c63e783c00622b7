using Platform.Canisters;

namespace Platform.Gateway.Routing;

/// <summary>
/// Route constraint `canisterwasm`: a canister path that is a module download ({name}/versions/{digest}/wasm), which
/// Ingest answers from its content store. Split as the services split it (<see cref="CanisterApiPath"/>).
/// </summary>
internal sealed class CanisterWasmConstraint : IRouteConstraint
{
    public const string Name = "canisterwasm";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        CanisterApiPath.TryParse(values.TryGetValue(routeKey, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null,
            out var parsed) && parsed.Kind == CanisterApiKind.Wasm;
}
