using System.Text.Json;
using Platform.Candid;
using static Platform.Engine.Client.PocketIcJson;

namespace Platform.Engine.Client;

/// <summary>
/// TOPO: <c>{"subnet_configs": {"&lt;subnet id text&gt;": {"subnet_kind", "canister_ranges": [{"start":
/// {"canister_id": b64}, "end": ...}]}}, "default_effective_canister_id": {"canister_id": b64}}</c>.
/// </summary>
internal static class TopologyReader
{
    public static Topology Read(JsonElement topology)
    {
        var subnets = new List<SubnetTopology>();
        foreach (var subnet in Property(topology, "subnet_configs").EnumerateObject())
        {
            var ranges = new List<CanisterRange>();
            if (subnet.Value.TryGetProperty("canister_ranges", out var r))
            {
                foreach (var range in r.EnumerateArray())
                    ranges.Add(new CanisterRange(Principal(Property(range, "start"), "canister_id"), Principal(Property(range, "end"), "canister_id")));
            }
            var kind = subnet.Value.TryGetProperty("subnet_kind", out var k) ? k.GetString() ?? "" : "";
            subnets.Add(new SubnetTopology(Candid.Principal.FromText(subnet.Name), kind, ranges));
        }
        return new Topology(subnets, Principal(Property(topology, "default_effective_canister_id"), "canister_id"));
    }
}
