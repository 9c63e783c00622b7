using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Platform.Candid;

namespace Platform.Engine.Client;

/// <summary>
/// PocketIC's JSON conventions: bytes and principals as standard padded base64, u64/u128 as bare JSON numbers
/// (written and read as raw digits, so values above 2^53 keep every digit).
/// </summary>
internal static class PocketIcJson
{
    public static void WriteNumber(Utf8JsonWriter w, string name, BigInteger value)
    {
        w.WritePropertyName(name);
        w.WriteRawValue(value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    public static void WritePrincipal(Utf8JsonWriter w, string name, Principal principal) => w.WriteBase64String(name, principal.Bytes);

    public static void WriteEffectivePrincipal(Utf8JsonWriter w, EffectivePrincipal ep)
    {
        w.WritePropertyName("effective_principal");
        switch (ep)
        {
            case SubnetPrincipal s:
                w.WriteStartObject(); w.WriteBase64String("SubnetId", s.Id.Bytes); w.WriteEndObject();
                break;
            case CanisterPrincipal c:
                w.WriteStartObject(); w.WriteBase64String("CanisterId", c.Id.Bytes); w.WriteEndObject();
                break;
            default:
                w.WriteStringValue("None");
                break;
        }
    }

    public static JsonElement Property(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v
            : throw new PocketIcException($"the server's answer has no `{name}`: {Shorten(e)}");

    public static BigInteger Number(JsonElement e, string name)
    {
        var v = Property(e, name);
        return v.ValueKind == JsonValueKind.Number && BigInteger.TryParse(v.GetRawText(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new PocketIcException($"`{name}` is not an integer: {Shorten(v)}");
    }

    public static byte[] Bytes(JsonElement e, string name)
    {
        var v = Property(e, name);
        try
        {
            return v.ValueKind == JsonValueKind.String ? Convert.FromBase64String(v.GetString()!) : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new PocketIcException($"`{name}` is not base64: {Shorten(v)}");
        }
    }

    public static Principal Principal(JsonElement e, string name) => Candid.Principal.FromBytes(Bytes(e, name));

    /// <summary><c>{"Ok": b64}</c> or <c>{"Err": {reject_code, reject_message, error_code, certified}}</c>.</summary>
    public static CallOutcome Outcome(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("Ok", out _)) return new CallReply(Bytes(e, "Ok"));
        var err = Property(e, "Err");
        return Reject(err);
    }

    public static CallRejected Reject(JsonElement err)
    {
        var code = Property(err, "reject_code");
        var rejectCode = code.ValueKind == JsonValueKind.Number ? code.GetInt32() : RejectCodeOf(code.GetString());
        var errorCode = err.TryGetProperty("error_code", out var ec)
            ? ec.ValueKind == JsonValueKind.String ? ec.GetString()! : ec.GetRawText()
            : "";
        var certified = err.TryGetProperty("certified", out var c) && c.ValueKind == JsonValueKind.True;
        return new CallRejected(rejectCode, Property(err, "reject_message").GetString() ?? "", errorCode, certified);
    }

    private static int RejectCodeOf(string? name) => name switch
    {
        "SysFatal" => 1,
        "SysTransient" => 2,
        "DestinationInvalid" => 3,
        "CanisterReject" => 4,
        "CanisterError" => 5,
        "SysUnknown" => 6,
        _ => throw new PocketIcException($"unknown reject_code {name}"),
    };

    public static string Shorten(JsonElement e)
    {
        var text = e.ValueKind == JsonValueKind.Undefined ? "(nothing)" : e.GetRawText();
        return text.Length <= 300 ? text : text[..300] + "...";
    }
}
