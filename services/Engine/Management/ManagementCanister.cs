using System.Numerics;
using System.Security.Cryptography;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Subnets;

namespace Platform.Engine.Management;

/// <summary>A message for <c>aaaaa-aa</c>: from a user (with the effective subnet pic-js named) or from a canister.</summary>
internal abstract record ManagementMessage;

internal sealed record ManagementIngress(IngressMessage Message, Subnet? EffectiveSubnet) : ManagementMessage;

internal sealed record ManagementCall(CanisterRequest Request) : ManagementMessage;

/// <summary>
/// The management canister <c>aaaaa-aa</c>: canister lifecycle in Candid, with the IC's controller checks and
/// rejects. It runs between subnet executions (it changes canisters of any subnet).
/// </summary>
internal sealed class ManagementCanister(EngineInstance instance)
{
    /// <summary>The IC's default balance for provisional_create_canister_with_cycles without an amount.</summary>
    public static readonly UInt128 DefaultProvisionalCycles = 100_000_000_000_000;

    private const int MaxControllers = 10;
    private const int ChunkMaxBytes = 1024 * 1024;
    private const int ChunkStoreMaxChunks = 1000;

    private static readonly byte[] EmptyReply = CandidBinary.Encode([], []);

    public void Execute(ManagementMessage message, ulong time, ExecutionOutput output)
    {
        var (origin, caller, method, payload, cycles, subnet) = message switch
        {
            ManagementIngress i => ((CallOrigin)new IngressOrigin(i.Message.MessageId), i.Message.Sender, i.Message.Method, i.Message.Payload, UInt128.Zero, i.EffectiveSubnet),
            ManagementCall c => (new CanisterOrigin(c.Request.Sender, c.Request.CallbackId, c.Request.Deadline), c.Request.Sender, c.Request.Method, c.Request.Payload,
                c.Request.Cycles, instance.SubnetOf(c.Request.Sender)),
            _ => throw new ArgumentOutOfRangeException(nameof(message)),
        };
        var call = new Call(origin, caller, method, payload, cycles, subnet, time, origin is IngressOrigin);
        using var activity = Load.EngineTelemetry.StartMessage(origin is IngressOrigin ? "ingress" : "request", "aaaaa-aa", subnet?.Id.ToString() ?? "",
            method, message is ManagementCall m ? m.Request.Trace : ((ManagementIngress)message).Message.Trace);
        CallResult? result;
        try
        {
            result = Dispatch(call, output);
        }
        catch (CandidDecodeException e)
        {
            result = new CallReject(RejectCode.CanisterError, $"Error decoding candid: {e.Message}", "InvalidManagementPayload");
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidCastException or InvalidOperationException or ArgumentException)
        {
            result = new CallReject(RejectCode.CanisterError, $"Error decoding candid: {e.Message}", "InvalidManagementPayload");
        }
        if (result is not null) output.Respond(origin, Principal.ManagementCanister, result, call.Cycles - call.CyclesAccepted);
    }

    private sealed record Call(CallOrigin Origin, Principal Caller, string Method, byte[] Payload, UInt128 Cycles, Subnet? Subnet, ulong Time, bool IsIngress)
    {
        public UInt128 CyclesAccepted { get; set; }
    }

    private CallResult? Dispatch(Call call, ExecutionOutput output) => call.Method switch
    {
        "provisional_create_canister_with_cycles" => ProvisionalCreate(call),
        "create_canister" => CreateCanister(call),
        "install_code" => InstallCode(call),
        "install_chunked_code" => InstallChunkedCode(call),
        "upload_chunk" => UploadChunk(call),
        "clear_chunk_store" => ClearChunkStore(call),
        "stored_chunks" => StoredChunks(call),
        "uninstall_code" => UninstallCode(call, output),
        "update_settings" => UpdateSettings(call),
        "start_canister" => StartCanister(call),
        "stop_canister" => StopCanister(call),
        "delete_canister" => DeleteCanister(call),
        "canister_status" => CanisterStatusOf(call),
        "deposit_cycles" => DepositCycles(call),
        "provisional_top_up_canister" => ProvisionalTopUp(call),
        "http_request" => HttpRequest(call),
        "raw_rand" => Reply(CandidBinary.Encode(CandidType.Blob, CandidValue.Blob(RandomNumberGenerator.GetBytes(32)))),
        _ => new CallReject(RejectCode.DestinationInvalid, $"Management canister has no method '{call.Method}'", "CanisterMethodNotFound"),
    };

    // ---- creation ----

    private CallResult ProvisionalCreate(Call call)
    {
        var args = CandidBinary.Decode(call.Payload, ManagementTypes.ProvisionalCreateArgs).AsRecord();
        var amount = Nat(args.Find("amount")) is { } a ? ToCycles(a) : DefaultProvisionalCycles;
        Subnet? subnet = call.IsIngress ? call.Subnet ?? instance.DefaultSubnet : call.Subnet;
        Principal? id = null;
        if (Opt(args.Find("specified_id")) is { } specified)
        {
            id = specified.AsPrincipal();
            if (instance.FindCanister(id) is not null)
            {
                return new CallReject(RejectCode.CanisterError, $"Canister {id} is already installed.", "CanisterAlreadyInstalled");
            }
            subnet = instance.Subnets.FirstOrDefault(s => s.Covers(id));
            if (subnet is null)
            {
                if (!id.TryGetCanisterIndex(out _) || !call.IsIngress)
                {
                    return new CallReject(RejectCode.CanisterError, $"The specified canister id {id} is not in the canister range of any subnet of this instance.", "CanisterNotHostedBySubnet");
                }
                try { subnet = instance.AddSubnetFor(id); }
                catch (InvalidOperationException e)
                {
                    return new CallReject(RejectCode.CanisterError, $"The specified canister id {id} cannot be hosted: {e.Message}.", "CanisterNotHostedBySubnet");
                }
            }
        }
        return Create(call, subnet!, id, amount, Opt(args.Find("settings"))?.AsRecord());
    }

    private CallResult CreateCanister(Call call)
    {
        if (call.IsIngress)
        {
            return new CallReject(RejectCode.CanisterReject, "create_canister can only be called by other canisters, use provisional_create_canister_with_cycles instead.", "CanisterRejectedMessage");
        }
        var args = CandidBinary.Decode(call.Payload, ManagementTypes.CreateCanisterArgs).AsRecord();
        call.CyclesAccepted = call.Cycles;
        return Create(call, call.Subnet ?? instance.DefaultSubnet, null, call.Cycles, Opt(args.Find("settings"))?.AsRecord());
    }

    private CallResult Create(Call call, Subnet subnet, Principal? id, UInt128 cycles, RecordValue? settings)
    {
        id ??= subnet.AllocateId();
        if (id is null) return new CallReject(RejectCode.SysTransient, $"Subnet {subnet.Id} has no canister ids left.", "SubnetOversubscribed");
        var canister = new Canister(id, subnet.Id) { Cycles = cycles };
        canister.Settings.Controllers = [call.Caller];
        if (settings is not null && ApplySettings(canister, settings) is { } invalid) return invalid;
        subnet.Canisters[id] = canister;
        return Reply(CandidBinary.Encode(ManagementTypes.CanisterIdRecord, CanisterIdValue(id)));
    }

    // ---- code ----

    private CallResult InstallCode(Call call)
    {
        var args = CandidBinary.Decode(call.Payload, ManagementTypes.InstallCodeArgs).AsRecord();
        var canister = ControlledCanister(call, args["canister_id"].AsPrincipal(), out var reject);
        if (canister is null) return reject!;
        return Install(call, canister, args["mode"].AsVariant(), args["wasm_module"].AsBlob(), args["arg"].AsBlob());
    }

    private CallResult InstallChunkedCode(Call call)
    {
        var args = CandidBinary.Decode(call.Payload, ManagementTypes.InstallChunkedCodeArgs).AsRecord();
        var canister = ControlledCanister(call, args["target_canister"].AsPrincipal(), out var reject);
        if (canister is null) return reject!;
        var store = canister;
        if (Opt(args.Find("store_canister")) is { } storeId && storeId.AsPrincipal() != canister.Id)
        {
            store = ControlledCanister(call, storeId.AsPrincipal(), out reject);
            if (store is null) return reject!;
            if (store.SubnetId != canister.SubnetId)
            {
                return new CallReject(RejectCode.CanisterError, $"The store canister {store.Id} must be on the same subnet as the target canister {canister.Id}.", "InvalidManagementPayload");
            }
        }
        using var module = new MemoryStream();
        foreach (var chunk in args["chunk_hashes_list"].AsVec())
        {
            var hash = Convert.ToHexStringLower(chunk.AsRecord()["hash"].AsBlob());
            if (!store.ChunkStore.TryGetValue(hash, out var bytes))
            {
                return new CallReject(RejectCode.CanisterError, $"Error from Canister {store.Id}: Chunk with hash {hash} is not present in the chunk store.", "CanisterContractViolation");
            }
            module.Write(bytes);
        }
        var wasm = module.ToArray();
        var expected = args["wasm_module_hash"].AsBlob();
        var actual = SHA256.HashData(wasm);
        if (!actual.AsSpan().SequenceEqual(expected))
        {
            return new CallReject(RejectCode.CanisterError,
                $"Error from Canister {canister.Id}: Wasm module hash {Convert.ToHexStringLower(expected)} does not match the hash of the assembled chunks {Convert.ToHexStringLower(actual)}.", "CanisterContractViolation");
        }
        return Install(call, canister, args["mode"].AsVariant(), wasm, args["arg"].AsBlob());
    }

    private CallResult Install(Call call, Canister canister, VariantValue mode, byte[] wasm, byte[] argument)
    {
        InstallRequest request;
        if (mode.Is("install")) request = new InstallRequest(InstallMode.Install, wasm, argument, call.Caller);
        else if (mode.Is("reinstall")) request = new InstallRequest(InstallMode.Reinstall, wasm, argument, call.Caller);
        else if (mode.Is("upgrade"))
        {
            var options = Opt(mode.Value)?.AsRecord();
            var skip = Opt(options?.Find("skip_pre_upgrade"))?.AsBool() ?? false;
            bool? keep = Opt(options?.Find("wasm_memory_persistence"))?.AsVariant() is { } persistence ? persistence.Is("keep") : null;
            request = new InstallRequest(InstallMode.Upgrade, wasm, argument, call.Caller, skip, keep);
        }
        else return new CallReject(RejectCode.CanisterError, "Error decoding candid: unknown install mode", "InvalidManagementPayload");
        var reject = instance.Executor.Install(canister, request, call.Time);
        return (CallResult?)reject ?? Reply(EmptyReply);
    }

    private CallResult UploadChunk(Call call)
    {
        var args = CandidBinary.Decode(call.Payload, ManagementTypes.UploadChunkArgs).AsRecord();
        var canister = ControlledCanister(call, args["canister_id"].AsPrincipal(), out var reject);
        if (canister is null) return reject!;
        var chunk = args["chunk"].AsBlob();
        if (chunk.Length > ChunkMaxBytes)
        {
            return new CallReject(RejectCode.CanisterError, $"Error from Canister {canister.Id}: Chunk size {chunk.Length} is too large, the maximum is {ChunkMaxBytes} bytes.", "CanisterContractViolation");
        }
        var hash = SHA256.HashData(chunk);
        var key = Convert.ToHexStringLower(hash);
        if (!canister.ChunkStore.ContainsKey(key) && canister.ChunkStore.Count >= ChunkStoreMaxChunks)
        {
            return new CallReject(RejectCode.CanisterError, $"Error from Canister {canister.Id}: Chunk store is full ({ChunkStoreMaxChunks} chunks).", "CanisterContractViolation");
        }
        canister.ChunkStore[key] = chunk;
        return Reply(CandidBinary.Encode(ManagementTypes.ChunkHash, CandidValue.Record(("hash", CandidValue.Blob(hash)))));
    }

    private CallResult ClearChunkStore(Call call)
    {
        var canister = ControlledCanister(call, CanisterIdArgument(call), out var reject);
        if (canister is null) return reject!;
        canister.ChunkStore.Clear();
        return Reply(EmptyReply);
    }

    private CallResult StoredChunks(Call call)
    {
        var canister = ControlledCanister(call, CanisterIdArgument(call), out var reject);
        if (canister is null) return reject!;
        var hashes = canister.ChunkStore.Keys.Order().Select(k => (CandidValue)CandidValue.Record(("hash", CandidValue.Blob(Convert.FromHexString(k)))));
        return Reply(CandidBinary.Encode(CandidType.Vec(ManagementTypes.ChunkHash), CandidValue.Vec(hashes)));
    }

    private CallResult UninstallCode(Call call, ExecutionOutput output)
    {
        var canister = ControlledCanister(call, CanisterIdArgument(call), out var reject);
        if (canister is null) return reject!;
        CanisterExecutor.Uninstall(canister, output);
        return Reply(EmptyReply);
    }

    // ---- settings and status ----

    private CallResult UpdateSettings(Call call)
    {
        var args = CandidBinary.Decode(call.Payload, ManagementTypes.UpdateSettingsArgs).AsRecord();
        var canister = ControlledCanister(call, args["canister_id"].AsPrincipal(), out var reject);
        if (canister is null) return reject!;
        if (ApplySettings(canister, args["settings"].AsRecord()) is { } invalid) return invalid;
        canister.Version++;
        return Reply(EmptyReply);
    }

    private static CallReject? ApplySettings(Canister canister, RecordValue settings)
    {
        var s = canister.Settings;
        if (Opt(settings.Find("controllers")) is { } controllers)
        {
            var list = controllers.AsVec().Select(c => c.AsPrincipal()).Distinct().ToList();
            if (list.Count > MaxControllers)
            {
                return new CallReject(RejectCode.CanisterError, $"Invalid settings: expected at most {MaxControllers} controllers, got {list.Count}.", "InvalidManagementPayload");
            }
            s.Controllers = list;
        }
        if (Nat(settings.Find("compute_allocation")) is { } compute)
        {
            if (compute > 100) return new CallReject(RejectCode.CanisterError, $"Invalid settings: compute_allocation {compute} must be between 0 and 100.", "InvalidManagementPayload");
            s.ComputeAllocation = compute;
        }
        if (Nat(settings.Find("memory_allocation")) is { } memory) s.MemoryAllocation = memory;
        if (Nat(settings.Find("freezing_threshold")) is { } freezing) s.FreezingThreshold = freezing;
        if (Nat(settings.Find("reserved_cycles_limit")) is { } reserved) s.ReservedCyclesLimit = reserved;
        if (Nat(settings.Find("wasm_memory_threshold")) is { } threshold) s.WasmMemoryThreshold = threshold;
        if (Nat(settings.Find("wasm_memory_limit")) is { } limit)
        {
            s.WasmMemoryLimit = limit;
            canister.Sandbox?.SetMemoryLimit(limit > 0 ? (long)BigInteger.Min(limit, long.MaxValue) : 0);
        }
        if (Opt(settings.Find("log_visibility"))?.AsVariant() is { } visibility)
        {
            s.LogVisibility = visibility.Is("public") ? "public" : visibility.Is("allowed_viewers") ? "allowed_viewers" : "controllers";
            s.LogViewers = visibility.Is("allowed_viewers") ? visibility.Value.AsVec().Select(v => v.AsPrincipal()).ToList() : [];
        }
        if (Opt(settings.Find("environment_variables")) is { } variables)
        {
            s.EnvironmentVariables = variables.AsVec().Select(v => (v.AsRecord()["name"].AsText(), v.AsRecord()["value"].AsText())).ToList();
        }
        return null;
    }

    private CallResult CanisterStatusOf(Call call)
    {
        var canister = ControlledCanister(call, CanisterIdArgument(call), out var reject);
        if (canister is null) return reject!;
        return Reply(CandidBinary.Encode(ManagementTypes.CanisterStatusResult, ManagementTypes.Status(canister)));
    }

    private CallResult StartCanister(Call call)
    {
        var canister = ControlledCanister(call, CanisterIdArgument(call), out var reject);
        if (canister is null) return reject!;
        if (canister.Status == CanisterStatus.Stopping)
        {
            // Starting a stopping canister cancels the pending stops, which the IC rejects.
            foreach (var origin in canister.PendingStops)
            {
                _cancelled.Add((origin, new CallReject(RejectCode.CanisterError, $"Canister {canister.Id}'s stop request was cancelled.", "CanisterStoppingCancelled")));
            }
            canister.PendingStops.Clear();
        }
        canister.Status = CanisterStatus.Running;
        return Reply(EmptyReply);
    }

    private readonly List<(CallOrigin Origin, CallResult Result)> _cancelled = [];

    private CallResult? StopCanister(Call call)
    {
        var canister = ControlledCanister(call, CanisterIdArgument(call), out var reject);
        if (canister is null) return reject!;
        if (canister.Status == CanisterStatus.Stopped) return Reply(EmptyReply);
        canister.Status = CanisterStatus.Stopping;
        canister.PendingStops.Add(call.Origin);
        return null;
    }

    /// <summary>Canisters that are stopping and have no open call contexts become stopped; their stop calls are answered.</summary>
    public void CompleteStops(ExecutionOutput output)
    {
        foreach (var (origin, result) in _cancelled) output.Respond(origin, Principal.ManagementCanister, result, 0);
        _cancelled.Clear();
        foreach (var canister in instance.Subnets.SelectMany(s => s.Canisters.Values))
        {
            if (canister.Status != CanisterStatus.Stopping || canister.CallContexts.Count > 0) continue;
            canister.Status = CanisterStatus.Stopped;
            foreach (var origin in canister.PendingStops) output.Respond(origin, Principal.ManagementCanister, new CallReply(EmptyReply), 0);
            canister.PendingStops.Clear();
        }
    }

    private CallResult DeleteCanister(Call call)
    {
        var canister = ControlledCanister(call, CanisterIdArgument(call), out var reject);
        if (canister is null) return reject!;
        if (canister.Status != CanisterStatus.Stopped)
        {
            return new CallReject(RejectCode.CanisterError, $"Canister {canister.Id} must be stopped before it is deleted.", "CanisterNotStopped");
        }
        if (call.Caller == canister.Id)
        {
            return new CallReject(RejectCode.CanisterError, $"Canister {canister.Id} cannot delete itself.", "DeleteCanisterSelf");
        }
        canister.Sandbox?.Dispose();
        instance.SubnetOf(canister.Id)!.Canisters.Remove(canister.Id);
        return Reply(EmptyReply);
    }

    private CallResult DepositCycles(Call call)
    {
        var id = CanisterIdArgument(call);
        var canister = instance.FindCanister(id);
        if (canister is null) return CallReject.CanisterNotFound(id.ToString());
        canister.Cycles += call.Cycles;
        call.CyclesAccepted = call.Cycles;
        return Reply(EmptyReply);
    }

    private CallResult ProvisionalTopUp(Call call)
    {
        var args = CandidBinary.Decode(call.Payload, ManagementTypes.TopUpArgs).AsRecord();
        var id = args["canister_id"].AsPrincipal();
        var canister = instance.FindCanister(id);
        if (canister is null) return CallReject.CanisterNotFound(id.ToString());
        canister.Cycles = SaturatingAdd(canister.Cycles, ToCycles(args["amount"].AsNat()));
        return Reply(EmptyReply);
    }

    // ---- HTTPS outcalls ----

    private CallReject? HttpRequest(Call call)
    {
        var reject = instance.Outcalls.Accept(call.Origin, call.Caller, call.Subnet, call.Payload, call.Cycles, out var charged);
        call.CyclesAccepted = charged;
        return reject;
    }

    // ---- helpers ----

    private static Principal CanisterIdArgument(Call call) =>
        CandidBinary.Decode(call.Payload, ManagementTypes.CanisterIdRecord).AsRecord()["canister_id"].AsPrincipal();

    private Canister? ControlledCanister(Call call, Principal id, out CallReject? reject)
    {
        var canister = instance.FindCanister(id);
        if (canister is null)
        {
            reject = CallReject.CanisterNotFound(id.ToString());
            return null;
        }
        if (!canister.IsController(call.Caller))
        {
            reject = new CallReject(RejectCode.CanisterError,
                $"Only controllers of canister {id} can call ic00 method {call.Method}", "CanisterInvalidController");
            return null;
        }
        reject = null;
        return canister;
    }

    private static CallReply Reply(byte[] data) => new(data);

    private static CandidValue CanisterIdValue(Principal id) => CandidValue.Record(("canister_id", CandidValue.Principal(id)));

    private static CandidValue? Opt(CandidValue? value) => value is OptValue opt ? opt.Value : null;

    private static BigInteger? Nat(CandidValue? value) => Opt(value)?.AsNat();

    public static UInt128 ToCycles(BigInteger amount) => amount >= (BigInteger)UInt128.MaxValue ? UInt128.MaxValue : (UInt128)amount;

    public static UInt128 SaturatingAdd(UInt128 a, UInt128 b) => UInt128.MaxValue - a < b ? UInt128.MaxValue : a + b;
}
