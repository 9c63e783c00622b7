using System.Text.Json;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.PocketIc;
using static Platform.Engine.PocketIc.PocketIcJson;

namespace Platform.Engine.Outcalls;

/// <summary>PocketIC's outcall mocking endpoints: <c>read/get_canister_http</c> and <c>update/mock_canister_http</c>.</summary>
internal static class OutcallJson
{
    /// <summary>The pending requests as PocketIC's RawCanisterHttpRequest list.</summary>
    public static void WritePending(EngineInstance instance, JsonElement _, Utf8JsonWriter w)
    {
        w.WriteStartArray();
        foreach (var pending in instance.Outcalls.Pending)
        {
            var request = pending.Request;
            w.WriteStartObject();
            w.WritePropertyName("subnet_id");
            w.WriteStartObject();
            w.WriteBase64String("subnet_id", pending.Subnet.Id.Bytes);
            w.WriteEndObject();
            w.WriteNumber("request_id", pending.Id);
            w.WriteString("http_method", request.Method.ToString().ToUpperInvariant());
            w.WriteString("url", request.Url);
            w.WriteStartArray("headers");
            foreach (var header in request.Headers)
            {
                w.WriteStartObject();
                w.WriteString("name", header.Name);
                w.WriteString("value", header.Value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteBase64String("body", request.Body ?? []);
            if (request.MaxResponseBytesGiven) w.WriteNumber("max_response_bytes", request.MaxResponseBytes);
            else w.WriteNull("max_response_bytes");
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>RawMockCanisterHttpResponse: answers one pending request, delivered (transformed) in the next round.</summary>
    public static void Mock(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var subnet = Principal(Property(body, "subnet_id"), "subnet_id");
        var requestId = Number(body, "request_id");
        var responses = new List<OutcallResult> { Response(Property(body, "response")) };
        if (body.TryGetProperty("additional_responses", out var additional) && additional.ValueKind == JsonValueKind.Array)
        {
            responses.AddRange(additional.EnumerateArray().Select(Response));
        }
        if (requestId > long.MaxValue || !instance.Outcalls.Mock(subnet, (long)requestId, responses))
        {
            throw new PocketIcRequestException($"No pending canister http request {requestId} on subnet {subnet}");
        }
        w.WriteNullValue();
    }

    private static OutcallResult Response(JsonElement response)
    {
        if (response.ValueKind == JsonValueKind.Object && response.TryGetProperty("CanisterHttpReply", out var reply))
        {
            var status = Number(reply, "status");
            if (status > ushort.MaxValue) throw new PocketIcRequestException("field `status` must fit in 16 bits");
            var headers = Property(reply, "headers");
            if (headers.ValueKind != JsonValueKind.Array) throw new PocketIcRequestException("field `headers` must be an array");
            return new OutcallResult(new HttpOutcallResponse((int)status,
                headers.EnumerateArray().Select(h => new HttpHeader(Text(h, "name"), Text(h, "value"))).ToList(), Bytes(reply, "body")), null);
        }
        if (response.ValueKind == JsonValueKind.Object && response.TryGetProperty("CanisterHttpReject", out var reject))
        {
            var code = Number(reject, "reject_code");
            if (code < 1 || code > 6) throw new PocketIcRequestException($"reject_code {code} is not one of the IC's reject codes (1 to 6)");
            return new OutcallResult(null, new CallReject((RejectCode)(int)code, Text(reject, "message"), "CanisterHttpRequestFailed"));
        }
        throw new PocketIcRequestException("a response must be {\"CanisterHttpReply\": ...} or {\"CanisterHttpReject\": ...}");
    }
}
