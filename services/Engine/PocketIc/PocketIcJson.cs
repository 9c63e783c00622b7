using System.Text.Json;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Subnets;

namespace Platform.Engine.PocketIc;

/// <summary>A request the server cannot act on: answered with 400 and PocketIC's <c>{"message"}</c> shape.</summary>
internal sealed class PocketIcRequestException(string message) : Exception(message);

/// <summary>
/// Reading and writing PocketIC's JSON: principals and bytes as standard base64, u64/u128 as bare JSON numbers
/// (written raw, so values above 2^53 keep every digit), rejects with enum-name codes.
/// </summary>
internal static class PocketIcJson
{
    public static JsonElement Property(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value)
            ? value
            : throw new PocketIcRequestException($"missing field `{name}`");

    public static byte[] Bytes(JsonElement body, string name)
    {
        var value = Property(body, name);
        if (value.ValueKind != JsonValueKind.String) throw new PocketIcRequestException($"field `{name}` must be a base64 string");
        try { return Convert.FromBase64String(value.GetString()!); }
        catch (FormatException) { throw new PocketIcRequestException($"field `{name}` is not valid base64"); }
    }

    public static Principal Principal(JsonElement body, string name)
    {
        var bytes = Bytes(body, name);
        if (bytes.Length > Candid.Principal.MaxLength) throw new PocketIcRequestException($"field `{name}` is not a principal ({bytes.Length} bytes)");
        return Candid.Principal.FromBytes(bytes);
    }

    public static string Text(JsonElement body, string name)
    {
        var value = Property(body, name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new PocketIcRequestException($"field `{name}` must be a string");
    }

    public static UInt128 Number(JsonElement body, string name)
    {
        var value = Property(body, name);
        if (value.ValueKind != JsonValueKind.Number || !UInt128.TryParse(value.GetRawText(), out var n))
        {
            throw new PocketIcRequestException($"field `{name}` must be a non-negative integer");
        }
        return n;
    }

    /// <summary>EP: <c>"None"</c>, <c>{"SubnetId": b64}</c> or <c>{"CanisterId": b64}</c>.</summary>
    public static (Principal? Subnet, Principal? Canister) EffectivePrincipal(JsonElement body)
    {
        if (!body.TryGetProperty("effective_principal", out var ep) || ep.ValueKind == JsonValueKind.Null) return (null, null);
        if (ep.ValueKind == JsonValueKind.String) return ep.GetString() == "None" ? (null, null) : throw new PocketIcRequestException("unknown effective_principal");
        if (ep.TryGetProperty("SubnetId", out _)) return (Principal(ep, "SubnetId"), null);
        if (ep.TryGetProperty("CanisterId", out _)) return (null, Principal(ep, "CanisterId"));
        throw new PocketIcRequestException("unknown effective_principal");
    }

    public static void WriteReject(Utf8JsonWriter w, CallReject reject, bool certified)
    {
        w.WriteStartObject();
        w.WriteString("reject_code", reject.Code.ToString());
        w.WriteString("reject_message", reject.Message);
        w.WriteString("error_code", reject.ErrorCode);
        w.WriteBoolean("certified", certified);
        w.WriteEndObject();
    }

    public static void WriteResult(Utf8JsonWriter w, CallResult result, bool certified)
    {
        w.WriteStartObject();
        switch (result)
        {
            case CallReply reply: w.WriteBase64String("Ok", reply.Data); break;
            case CallReject reject: w.WritePropertyName("Err"); WriteReject(w, reject, certified); break;
        }
        w.WriteEndObject();
    }

    public static void WriteNumber(Utf8JsonWriter w, string name, UInt128 value)
    {
        w.WritePropertyName(name);
        w.WriteRawValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    public static void WriteTopology(Utf8JsonWriter w, EngineInstance instance)
    {
        w.WriteStartObject();
        w.WritePropertyName("subnet_configs");
        w.WriteStartObject();
        foreach (var subnet in instance.Subnets)
        {
            w.WritePropertyName(subnet.Id.ToString());
            w.WriteStartObject();
            w.WriteString("subnet_kind", subnet.Kind.ToString());
            w.WritePropertyName("subnet_seed");
            w.WriteStartArray();
            foreach (var b in subnet.Seed) w.WriteNumberValue(b);
            w.WriteEndArray();
            w.WriteString("instruction_config", "Production");
            w.WritePropertyName("canister_ranges");
            w.WriteStartArray();
            foreach (var range in subnet.Ranges)
            {
                w.WriteStartObject();
                w.WritePropertyName("start");
                WriteCanisterId(w, Candid.Principal.FromCanisterIndex(range.Start));
                w.WritePropertyName("end");
                WriteCanisterId(w, Candid.Principal.FromCanisterIndex(range.End));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WritePropertyName("default_effective_canister_id");
        WriteCanisterId(w, instance.DefaultEffectiveCanisterId);
        w.WriteEndObject();
    }

    private static void WriteCanisterId(Utf8JsonWriter w, Principal id)
    {
        w.WriteStartObject();
        w.WriteBase64String("canister_id", id.Bytes);
        w.WriteEndObject();
    }

    /// <summary>Reads <c>subnet_config_set</c> (absent: one application subnet).</summary>
    public static SubnetLayout Layout(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return new SubnetLayout(Application: 1);
        // The system canisters (ledger, NNS, II...) are PocketIC's own modules; asking for them must not "succeed"
        // with subnets that lack them.
        if (body.TryGetProperty("icp_features", out var features) && features.ValueKind == JsonValueKind.Object &&
            features.EnumerateObject().Any(f => f.Value.ValueKind != JsonValueKind.Null))
        {
            throw new PocketIcRequestException("icp_features (system canisters such as the ledger, NNS or II) are not provided by this engine");
        }
        var set = body.TryGetProperty("subnet_config_set", out var s) && s.ValueKind == JsonValueKind.Object ? s : body;
        bool Named(string name) => set.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object;
        int Count(string name) => set.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Array => v.GetArrayLength(),
            JsonValueKind.Number => v.GetInt32(),
            JsonValueKind.Null => 0,
            _ => throw new PocketIcRequestException($"field `{name}` must be an array of subnet specs"),
        } : 0;
        var layout = new SubnetLayout(Named("nns"), Named("sns"), Named("ii"), Named("fiduciary"), Named("bitcoin"),
            Count("system"), Count("application"), Count("verified_application"));
        var total = layout.System + layout.Application + layout.VerifiedApplication;
        if (total > 64) throw new PocketIcRequestException($"too many subnets requested ({total}); the engine allows 64");
        return layout;
    }

    public static Subnet? SubnetOf(EngineInstance instance, Principal? subnetId, Principal? canisterId)
    {
        if (subnetId is not null)
        {
            return instance.FindSubnet(subnetId) ?? throw new PocketIcRequestException($"SubnetNotFound({subnetId})");
        }
        if (canisterId is not null)
        {
            return instance.SubnetOf(canisterId) ?? instance.Subnets.FirstOrDefault(s => s.Covers(canisterId))
                ?? throw new PocketIcRequestException($"CanisterNotFound({canisterId})");
        }
        return null;
    }
}
