using System.Net.Http.Json;
using System.Text.Json;
using Platform.Candid;
using Platform.Engine.Client;

namespace Shop.Client;

/// <summary>
/// Finds a service of an environment the way a user of the platform does: its canister and module version from the
/// discovery API (<c>GET /api/v1/environments/{env}/services/{name}</c>), its Candid interface from the
/// canister-modules API (<c>GET /api/v1/canisters/{module}/versions/{digest}/candid</c>), both through the gateway.
/// </summary>
/// <param name="platform">A client of the gateway that sends the caller's credentials.</param>
/// <param name="engine">The engine instance the environment's canisters run on.</param>
public sealed class ShopDirectory(HttpClient platform, PocketIcInstance engine)
{
    public async Task<ShopCanister> FindAsync(string environment, string service, CancellationToken cancellationToken = default)
    {
        var found = await platform.GetFromJsonAsync<JsonElement>(
            $"/api/v1/environments/{Uri.EscapeDataString(environment)}/services/{Uri.EscapeDataString(service)}", cancellationToken);
        var id = found.GetProperty("canisterIds")[0].GetString()!;
        var version = found.GetProperty("version");
        var candid = await platform.GetStringAsync(
            $"/api/v1/canisters/{version.GetProperty("module").GetString()}/versions/{version.GetProperty("digest").GetString()}/candid", cancellationToken);
        return new ShopCanister(engine, Principal.FromText(id), CandidText.ParseService(candid));
    }
}
