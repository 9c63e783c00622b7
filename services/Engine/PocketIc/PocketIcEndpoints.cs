using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using static Platform.Engine.PocketIc.PocketIcJson;

namespace Platform.Engine.PocketIc;

/// <summary>
/// PocketIC's REST API as <c>@dfinity/pic</c> 0.23.0 uses it. Every instance operation holds the instance's gate
/// and runs synchronously, so the answer is always 200 with the final result (never 202 or 409); server errors
/// are 400 <c>{"message"}</c> and canister failures 200 <c>{"Err": ...}</c>.
/// </summary>
internal static partial class PocketIcEndpoints
{
    private delegate void Operation(EngineInstance instance, JsonElement body, Utf8JsonWriter writer);

    public static WebApplication MapPocketIc(this WebApplication app)
    {
        app.MapPost("/instances", CreateInstance);
        app.MapGet("/instances", ListInstances);
        app.MapDelete("/instances/{id:int}", DeleteInstance);
        app.MapPost("/blobstore", UploadBlob);
        app.MapGet("/blobstore/{blobId}", DownloadBlob);

        Map(app, "GET", "_/topology", (i, _, w) => WriteTopology(w, i));
        Map(app, "POST", "update/submit_ingress_message", SubmitIngress);
        Map(app, "POST", "update/await_ingress_message", AwaitIngress);
        Map(app, "POST", "update/execute_ingress_message", ExecuteIngress);
        Map(app, "POST", "read/query", Query);
        Map(app, "GET", "read/get_time", (i, _, w) => WriteTime(w, i.Time));
        Map(app, "POST", "update/set_time", SetTime);
        Map(app, "POST", "update/set_certified_time", SetTime);
        Map(app, "POST", "update/tick", (i, _, w) => { i.Tick(); w.WriteNullValue(); });
        Map(app, "POST", "read/get_cycles", GetCycles);
        Map(app, "POST", "update/add_cycles", AddCycles);
        Map(app, "POST", "read/get_subnet", GetSubnet);
        Map(app, "POST", "read/get_controllers", GetControllers);
        Map(app, "POST", "read/get_stable_memory", GetStableMemory);
        Map(app, "POST", "update/set_stable_memory", SetStableMemory);
        Map(app, "GET", "read/get_canister_http", Outcalls.OutcallJson.WritePending);
        Map(app, "POST", "update/mock_canister_http", Outcalls.OutcallJson.Mock);
        Map(app, "GET", "auto_progress", (_, _, w) => w.WriteBooleanValue(false));
        Map(app, "POST", "read/pub_key", (_, _, _) =>
            throw new PocketIcRequestException("the engine does not sign certificates, so subnets have no public key"));
        Map(app, "POST", "auto_progress", (_, _, _) =>
            throw new PocketIcRequestException("live mode (auto progress and the HTTP gateway) is not supported by this engine"));
        // Anything else PocketIC serves (outcall mocking, ingress status, canister logs...) is answered in its
        // error shape, so a client reports what is missing instead of failing on an empty 404.
        app.MapMethods("/instances/{id:int}/{**rest}", ["GET", "POST"], (string rest) =>
            Results.Json(new Dictionary<string, string> { ["message"] = $"{rest} is not supported by this engine" }, statusCode: StatusCodes.Status400BadRequest));
        return app;
    }

    private static void Map(WebApplication app, string verb, string path, Operation operation)
    {
        // Every operation that can change state is under update/; a persistent instance commits after each.
        var mutates = path.StartsWith("update/", StringComparison.Ordinal);
        app.MapMethods($"/instances/{{id:int}}/{path}", [verb], (int id, HttpContext http, InstanceRegistry registry, ILogger<InstanceRegistry> logger) =>
            Run(http, registry.Find(id), id, operation, mutates, logger));
    }

    private static async Task Run(HttpContext http, EngineInstance? instance, int id, Operation operation, bool mutates, ILogger logger)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var status = StatusCodes.Status200OK;
        try
        {
            if (instance is null) throw new PocketIcRequestException($"Instance {id} not found");
            using var document = await ReadJson(http);
            long? durable = null;
            await instance.Gate.WaitAsync(http.RequestAborted);
            try
            {
                await using var writer = new Utf8JsonWriter(buffer);
                try
                {
                    operation(instance, document?.RootElement ?? default, writer);
                }
                finally
                {
                    // A refused request may have changed state too (a submit queues nothing, but a failed await ran
                    // rounds). A read waits for what it saw: an update appended but not yet flushed.
                    if (instance.Store is { } store) durable = mutates ? Append(store) : store.Appended;
                }
            }
            finally
            {
                instance.Gate.Release();
            }
            // Before the answer, outside the gate: what a client was told happened is on the disk, and requests that
            // appended meanwhile share the flush (group commit).
            if (durable is { } sequence) await Durable(instance.Store!, sequence);
        }
        catch (Exception e) when (e is PocketIcRequestException or JsonException or ObjectDisposedException or BadHttpRequestException)
        {
            status = StatusCodes.Status400BadRequest;
            buffer = Message(e is ObjectDisposedException ? $"Instance {id} was deleted" : e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever went wrong, pic-js gets PocketIC's error shape, never a 500.
            LogRequestFailed(logger, e, http.Request.Path);
            status = StatusCodes.Status400BadRequest;
            buffer = Message($"{e.GetType().Name}: {e.Message}");
        }
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
    }

    private static long Append(Persistence.InstanceStore store)
    {
        try { return store.Append(); }
        catch (IOException e) { throw NotSaved(e); }
    }

    private static async Task Durable(Persistence.InstanceStore store, long sequence)
    {
        try { await store.WhenDurableAsync(sequence); }
        catch (IOException e) { throw NotSaved(e); }
    }

    private static PocketIcRequestException NotSaved(IOException e) =>
        new($"the instance's state could not be saved ({e.Message}); it is written again with the next request");

    private static ArrayBufferWriter<byte> Message(string message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var w = new Utf8JsonWriter(buffer);
        w.WriteStartObject();
        w.WriteString("message", message);
        w.WriteEndObject();
        w.Flush();
        return buffer;
    }

    private static async Task<JsonDocument?> ReadJson(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        if (body.Length == 0) return null;
        body.Position = 0;
        return await JsonDocument.ParseAsync(body, new JsonDocumentOptions { MaxDepth = 64 }, http.RequestAborted);
    }

    // ---- instances and blobs ----

    private static async Task CreateInstance(HttpContext http, InstanceRegistry registry)
    {
        SubnetLayout layout;
        try
        {
            using var document = await ReadJson(http);
            layout = Layout(document?.RootElement ?? default);
        }
        catch (Exception e) when (e is PocketIcRequestException or JsonException)
        {
            // PocketIC's shape for a refused instance (the web defaults would camel-case "Error").
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object> { ["Error"] = new Dictionary<string, string> { ["message"] = e.Message } }));
            return;
        }
        var instance = registry.Create(layout);
        var buffer = new ArrayBufferWriter<byte>();
        await using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WritePropertyName("Created");
            w.WriteStartObject();
            w.WriteNumber("instance_id", instance.Id);
            w.WritePropertyName("topology");
            WriteTopology(w, instance);
            w.WriteNull("http_gateway_info");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        http.Response.StatusCode = StatusCodes.Status201Created;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    // As PocketIC: one entry per id ever issued, indexed by id, so a client finds instance k at position k.
    private static IResult ListInstances(InstanceRegistry registry) =>
        Results.Json(Enumerable.Range(0, registry.IssuedIds).Select(id => registry.Find(id) is null ? "Deleted" : "Available"));

    private static IResult DeleteInstance(int id, InstanceRegistry registry) =>
        registry.Find(id)?.Store is { } store
            ? Results.BadRequest(new { message = $"Instance {id} is the engine's persistent instance (kept in {store.Directory}) and cannot be deleted" })
            : registry.Delete(id) ? Results.Ok() : Results.BadRequest(new { message = $"Instance {id} not found" });

    private static async Task<IResult> UploadBlob(HttpContext http, InstanceRegistry registry)
    {
        using var body = new MemoryStream();
        Stream source = http.Request.Body;
        if (string.Equals(http.Request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            source = new System.IO.Compression.GZipStream(source, System.IO.Compression.CompressionMode.Decompress);
        }
        try { await source.CopyToAsync(body, http.RequestAborted); }
        catch (InvalidDataException) { return Results.BadRequest(new { message = "the gzip body is corrupt" }); }
        var bytes = body.ToArray();
        var id = Convert.ToHexStringLower(SHA256.HashData(bytes));
        registry.Blobs[id] = bytes;
        return Results.Text(id);
    }

    private static IResult DownloadBlob(string blobId, InstanceRegistry registry) =>
        registry.Blobs.TryGetValue(blobId.ToLowerInvariant(), out var bytes)
            ? Results.Bytes(bytes, "application/octet-stream")
            : Results.BadRequest(new { message = $"BlobNotFound({blobId})" });

    // ---- calls ----

    private sealed record ParsedCall(Principal Sender, Principal Canister, string Method, byte[] Payload, Subnets.Subnet? Effective);

    private static ParsedCall ReadCall(EngineInstance instance, JsonElement body)
    {
        var (subnetId, canisterId) = EffectivePrincipal(body);
        var target = Principal(body, "canister_id");
        // A management call may name a canister id no subnet covers yet (provisional_create with a mainnet
        // specified_id): the management canister decides where it goes.
        var effective = target.IsManagementCanister && subnetId is null && canisterId is not null
                        && instance.SubnetOf(canisterId) is null && !instance.Subnets.Any(s => s.Covers(canisterId))
            ? null
            : SubnetOf(instance, subnetId, canisterId);
        return new ParsedCall(Principal(body, "sender"), target, Text(body, "method"), Bytes(body, "payload"), effective);
    }

    /// <summary>Validates and queues the message, as the IC's ingress filter would, before any round runs.</summary>
    private static (byte[]? MessageId, Subnets.Subnet? Subnet, CallReject? Reject) Submit(EngineInstance instance, ParsedCall call)
    {
        if (call.Canister.IsManagementCanister)
        {
            var subnet = call.Effective ?? ManagementRoute(instance, call);
            return (instance.Submit(call.Sender, call.Canister, call.Method, call.Payload, call.Effective), subnet, null);
        }
        var target = instance.SubnetOf(call.Canister);
        if (target is null) return (null, null, CallReject.CanisterNotFound(call.Canister.ToString()));
        if (instance.Executor.InspectMessage(instance.FindCanister(call.Canister)!, call.Sender, call.Method, call.Payload, instance.Time) is { } refused)
        {
            return (null, null, refused);
        }
        return (instance.Submit(call.Sender, call.Canister, call.Method, call.Payload, target), target, null);
    }

    /// <summary>Where PocketIC executes a management call without an effective principal: by the payload's canister_id.</summary>
    private static Subnets.Subnet ManagementRoute(EngineInstance instance, ParsedCall call) =>
        CandidBinary.TryReadCanisterId(call.Payload, out var id) && instance.SubnetOf(id) is { } subnet ? subnet : instance.DefaultSubnet;

    private static void SubmitIngress(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var (messageId, subnet, reject) = Submit(instance, ReadCall(instance, body));
        w.WriteStartObject();
        if (reject is not null)
        {
            w.WritePropertyName("Err");
            WriteReject(w, reject, certified: false);
        }
        else
        {
            w.WritePropertyName("Ok");
            w.WriteStartObject();
            w.WritePropertyName("effective_principal");
            w.WriteStartObject();
            w.WriteBase64String("SubnetId", subnet!.Id.Bytes);
            w.WriteEndObject();
            w.WriteBase64String("message_id", messageId!);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void AwaitIngress(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var messageId = Bytes(body, "message_id");
        var result = instance.Await(messageId, out var known);
        if (!known) throw new PocketIcRequestException($"IngressMessageNotFound({Convert.ToHexStringLower(messageId)})");
        if (result is null)
        {
            throw new PocketIcRequestException($"The ingress message {Convert.ToHexStringLower(messageId)} did not complete within {EngineInstance.MaxAwaitRounds} rounds");
        }
        WriteResult(w, result, certified: true);
    }

    private static void ExecuteIngress(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var (messageId, _, reject) = Submit(instance, ReadCall(instance, body));
        if (reject is not null) { WriteResult(w, reject, certified: false); return; }
        var result = instance.Await(messageId!, out _)
                     ?? throw new PocketIcRequestException($"The ingress message did not complete within {EngineInstance.MaxAwaitRounds} rounds");
        WriteResult(w, result, certified: true);
    }

    private static void Query(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var call = ReadCall(instance, body);
        CallResult result;
        if (call.Canister.IsManagementCanister)
        {
            result = new CallReject(RejectCode.CanisterReject, $"Management canister method '{call.Method}' cannot be called as a query", "CanisterRejectedMessage");
        }
        else if (instance.FindCanister(call.Canister) is { } canister)
        {
            result = instance.Executor.ExecuteQuery(canister, call.Sender, call.Method, call.Payload, instance.Time, instance.FindCanister);
        }
        else
        {
            result = CallReject.CanisterNotFound(call.Canister.ToString());
        }
        WriteResult(w, result, certified: false);
    }

    // ---- time, cycles, state ----

    private static void WriteTime(Utf8JsonWriter w, ulong nanos)
    {
        w.WriteStartObject();
        WriteNumber(w, "nanos_since_epoch", nanos);
        w.WriteEndObject();
    }

    private static void SetTime(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var nanos = Number(body, "nanos_since_epoch");
        if (nanos > ulong.MaxValue) throw new PocketIcRequestException("nanos_since_epoch does not fit in 64 bits");
        if (!instance.SetTime((ulong)nanos, out var error)) throw new PocketIcRequestException(error!);
        w.WriteNullValue();
    }

    private static Canister CanisterOf(EngineInstance instance, JsonElement body)
    {
        var id = Principal(body, "canister_id");
        return instance.FindCanister(id) ?? throw new PocketIcRequestException($"CanisterNotFound({id})");
    }

    private static void GetCycles(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var canister = CanisterOf(instance, body);
        w.WriteStartObject();
        WriteNumber(w, "cycles", canister.Cycles);
        w.WriteEndObject();
    }

    private static void AddCycles(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var canister = CanisterOf(instance, body);
        canister.Cycles = Management.ManagementCanister.SaturatingAdd(canister.Cycles, Number(body, "amount"));
        w.WriteStartObject();
        WriteNumber(w, "cycles", canister.Cycles);
        w.WriteEndObject();
    }

    private static void GetSubnet(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var id = Principal(body, "canister_id");
        var subnet = instance.SubnetOf(id) ?? instance.Subnets.FirstOrDefault(s => s.Covers(id));
        if (subnet is null) { w.WriteNullValue(); return; }
        w.WriteStartObject();
        w.WriteBase64String("subnet_id", subnet.Id.Bytes);
        w.WriteEndObject();
    }

    private static void GetControllers(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var canister = CanisterOf(instance, body);
        w.WriteStartArray();
        foreach (var controller in canister.Settings.Controllers)
        {
            w.WriteStartObject();
            w.WriteBase64String("principal_id", controller.Bytes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void GetStableMemory(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var canister = CanisterOf(instance, body);
        w.WriteStartObject();
        w.WriteBase64String("blob", canister.Stable.ToArray());
        w.WriteEndObject();
    }

    private static void SetStableMemory(EngineInstance instance, JsonElement body, Utf8JsonWriter w)
    {
        var canister = CanisterOf(instance, body);
        var blobId = Convert.ToHexStringLower(Bytes(body, "blob_id"));
        var registry = instance.Blobs ?? throw new PocketIcRequestException("no blob store");
        if (!registry.TryGetValue(blobId, out var bytes)) throw new PocketIcRequestException($"BlobNotFound({blobId})");
        if (canister.Sandbox is null) throw new PocketIcRequestException($"CanisterIsEmpty({canister.Id})");
        canister.Stable.Replace(bytes);
        w.WriteNullValue();
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "PocketIC request {Path} failed inside the engine")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception, string path);
}
