using System.Numerics;
using System.Text.Json;
using Platform.Candid;
using static Platform.Engine.Client.PocketIcJson;

namespace Platform.Engine.Client;

/// <summary>One instance of the server: its topology, calls, time, cycles and stable memory.</summary>
public sealed class PocketIcInstance
{
    private readonly PocketIcClient _client;

    internal PocketIcInstance(PocketIcClient client, int id, Topology? createdWith = null)
    {
        _client = client;
        Id = id;
        CreatedWith = createdWith;
        Management = new ManagementCanister(this);
    }

    public int Id { get; }

    /// <summary>The topology the server answered when it created the instance (null for an existing one).</summary>
    public Topology? CreatedWith { get; }

    /// <summary>The management canister's lifecycle methods, typed.</summary>
    public ManagementCanister Management { get; }

    public async Task<Topology> GetTopologyAsync(CancellationToken cancellationToken = default) =>
        TopologyReader.Read(await GetAsync("_/topology", cancellationToken).ConfigureAwait(false));

    /// <summary><c>update/submit_ingress_message</c>: the message to await, or the reject of a message refused on submission.</summary>
    public async Task<(IngressMessage? Message, CallRejected? Rejected)> SubmitIngressAsync(CanisterCall call, CancellationToken cancellationToken = default)
    {
        var answer = await PostAsync("update/submit_ingress_message", w => WriteCall(w, call), cancellationToken).ConfigureAwait(false);
        if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("Err", out var err)) return (null, Reject(err));
        var ok = Property(answer, "Ok");
        var messageId = Property(ok, "message_id");
        if (messageId.ValueKind != JsonValueKind.String) throw new PocketIcException($"message_id is not base64 text: {Shorten(messageId)}");
        var ep = ok.TryGetProperty("effective_principal", out var e) ? e.GetRawText() : "\"None\"";
        return (new IngressMessage(ep, messageId.GetString()!), null);
    }

    /// <summary><c>update/await_ingress_message</c>, echoing the submission's effective principal and message id unchanged.</summary>
    public async Task<CallOutcome> AwaitIngressAsync(IngressMessage message, CancellationToken cancellationToken = default)
    {
        var answer = await PostAsync("update/await_ingress_message", w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("effective_principal");
            w.WriteRawValue(message.EffectivePrincipalJson);
            w.WriteString("message_id", message.MessageIdBase64);
            w.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false);
        return Outcome(answer);
    }

    /// <summary>An update call: submit, then await.</summary>
    public async Task<CallOutcome> UpdateCallAsync(CanisterCall call, CancellationToken cancellationToken = default)
    {
        var (message, rejected) = await SubmitIngressAsync(call, cancellationToken).ConfigureAwait(false);
        return rejected ?? await AwaitIngressAsync(message!, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CallOutcome> QueryCallAsync(CanisterCall call, CancellationToken cancellationToken = default) =>
        Outcome(await PostAsync("read/query", w => WriteCall(w, call), cancellationToken).ConfigureAwait(false));

    /// <summary>Nanoseconds since the Unix epoch on the instance's clock.</summary>
    public async Task<ulong> GetTimeAsync(CancellationToken cancellationToken = default) =>
        (ulong)Number(await GetAsync("read/get_time", cancellationToken).ConfigureAwait(false), "nanos_since_epoch");

    public async Task SetTimeAsync(ulong nanosSinceEpoch, CancellationToken cancellationToken = default) =>
        await PostAsync("update/set_time", w => { w.WriteStartObject(); WriteNumber(w, "nanos_since_epoch", nanosSinceEpoch); w.WriteEndObject(); }, cancellationToken).ConfigureAwait(false);

    public async Task TickAsync(int times = 1, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < times; i++)
            await PostAsync("update/tick", w => { w.WriteStartObject(); w.WriteEndObject(); }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<BigInteger> GetCyclesAsync(Principal canisterId, CancellationToken cancellationToken = default) =>
        Number(await PostAsync("read/get_cycles", w => WriteCanisterId(w, canisterId), cancellationToken).ConfigureAwait(false), "cycles");

    /// <summary>Adds cycles (PocketIC's top-up, no ledger); the new balance.</summary>
    public async Task<BigInteger> AddCyclesAsync(Principal canisterId, BigInteger amount, CancellationToken cancellationToken = default) =>
        Number(await PostAsync("update/add_cycles", w =>
        {
            w.WriteStartObject();
            WritePrincipal(w, "canister_id", canisterId);
            WriteNumber(w, "amount", amount);
            w.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false), "cycles");

    /// <summary>The subnet the canister is on (or whose range covers its id); null when no subnet has it.</summary>
    public async Task<Principal?> GetSubnetAsync(Principal canisterId, CancellationToken cancellationToken = default)
    {
        var answer = await PostAsync("read/get_subnet", w => WriteCanisterId(w, canisterId), cancellationToken).ConfigureAwait(false);
        return answer.ValueKind == JsonValueKind.Object ? Principal(answer, "subnet_id") : null;
    }

    public async Task<IReadOnlyList<Principal>> GetControllersAsync(Principal canisterId, CancellationToken cancellationToken = default)
    {
        var answer = await PostAsync("read/get_controllers", w => WriteCanisterId(w, canisterId), cancellationToken).ConfigureAwait(false);
        return [.. answer.EnumerateArray().Select(e => Principal(e, "principal_id"))];
    }

    public async Task<byte[]> GetStableMemoryAsync(Principal canisterId, CancellationToken cancellationToken = default) =>
        Bytes(await PostAsync("read/get_stable_memory", w => WriteCanisterId(w, canisterId), cancellationToken).ConfigureAwait(false), "blob");

    /// <summary>Uploads the bytes to the blob store, then points the canister's stable memory at them.</summary>
    public async Task SetStableMemoryAsync(Principal canisterId, byte[] bytes, CancellationToken cancellationToken = default)
    {
        var blobId = await _client.UploadBlobAsync(bytes, cancellationToken).ConfigureAwait(false);
        byte[] raw;
        try { raw = Convert.FromHexString(blobId); }
        catch (FormatException) { throw new PocketIcException($"the blob store answered an id that is not hex: {blobId}"); }
        await PostAsync("update/set_stable_memory", w =>
        {
            w.WriteStartObject();
            WritePrincipal(w, "canister_id", canisterId);
            w.WriteBase64String("blob_id", raw);
            w.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteAsync(CancellationToken cancellationToken = default) => _client.DeleteInstanceAsync(Id, cancellationToken);

    private Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) =>
        _client.SendAsync(HttpMethod.Get, $"instances/{Id}/{path}", null, cancellationToken);

    private Task<JsonElement> PostAsync(string path, Action<Utf8JsonWriter> body, CancellationToken cancellationToken) =>
        _client.SendAsync(HttpMethod.Post, $"instances/{Id}/{path}", PocketIcClient.Json(body), cancellationToken);

    private static void WriteCanisterId(Utf8JsonWriter w, Principal canisterId)
    {
        w.WriteStartObject();
        WritePrincipal(w, "canister_id", canisterId);
        w.WriteEndObject();
    }

    private static void WriteCall(Utf8JsonWriter w, CanisterCall call)
    {
        w.WriteStartObject();
        WritePrincipal(w, "sender", call.Sender);
        WritePrincipal(w, "canister_id", call.CanisterId);
        w.WriteString("method", call.Method);
        w.WriteBase64String("payload", call.Payload);
        WriteEffectivePrincipal(w, call.EffectivePrincipal);
        w.WriteEndObject();
    }
}
