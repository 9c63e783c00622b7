using System.Buffers.Binary;
using System.Text;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Runtime;
using Wasmtime;

namespace Platform.Engine.SystemApi;

/// <summary>
/// The <c>ic0</c> host functions. Each is defined once with the signature the module declared (validated
/// against <see cref="SystemApiImports"/>), and reads its arguments by their actual width, so the same code
/// serves wasm32 modules (i32 addresses) and memory64 modules (i64 addresses).
/// </summary>
internal static class SystemApiHost
{
    public static void Define(Linker linker, WasmModuleInfo info)
    {
        foreach (var import in info.Imports)
        {
            var type = import.Function!;
            var implementation = Implementation(import.Name);
            var parameters = type.Parameters.Select(Kind).ToArray();
            var results = type.Results.Select(Kind).ToArray();
            var resultIs32 = results.Length == 1 && results[0] == ValueKind.Int32;
            linker.DefineFunction(SystemApiImports.Module, import.Name, (Caller caller, ReadOnlySpan<ValueBox> args, Span<ValueBox> res) =>
            {
                var sandbox = (CanisterSandbox)caller.GetData()!;
                var ctx = sandbox.Context ?? throw new InvalidOperationException("System API called outside a message execution");
                Span<long> a = stackalloc long[args.Length];
                for (var i = 0; i < args.Length; i++) a[i] = parameters[i] == ValueKind.Int32 ? (uint)args[i].AsInt32() : args[i].AsInt64();
                var value = implementation(new Call(sandbox, ctx, caller, import.Name), a);
                if (res.Length == 1) res[0] = resultIs32 ? (int)value : value;
            }, parameters, results);
        }
    }

    private static ValueKind Kind(byte t) => t == 0x7F ? ValueKind.Int32 : ValueKind.Int64;

    private delegate long Impl(Call call, ReadOnlySpan<long> a);

    private readonly ref struct Call(CanisterSandbox sandbox, ApiContext ctx, Caller caller, string name)
    {
        public CanisterSandbox Sandbox { get; } = sandbox;
        public ApiContext Ctx { get; } = ctx;
        public Caller Caller { get; } = caller;
        public string Name { get; } = name;

        public EntryPoint Entry => Ctx.Entry;

        public void Allow(params EntryPoint[] entries)
        {
            if (Array.IndexOf(entries, Ctx.Entry) < 0) Violation($"\"ic0_{Name}\" cannot be executed in {Describe(Ctx.Entry)} mode");
        }

        public void Violation(string message)
        {
            Ctx.Failure = new ExecutionFailure("CanisterContractViolation", $"Canister {Ctx.Self} violated contract: {message}");
            throw new CanisterTrapException(Ctx.Failure.Message);
        }

        public byte[] Read(long address, long size)
        {
            var memory = Sandbox.Memory;
            if (memory is null || size < 0 || address < 0 || address + size > memory.GetLength() || size > int.MaxValue)
            {
                Violation($"ic0.{Name} heap out of bounds: address {address} size {size}");
            }
            return size == 0 ? [] : memory!.GetSpan(address, (int)size).ToArray();
        }

        public void Write(long address, ReadOnlySpan<byte> data)
        {
            var memory = Sandbox.Memory;
            if (memory is null || address < 0 || address + data.Length > memory.GetLength())
            {
                Violation($"ic0.{Name} heap out of bounds: address {address} size {data.Length}");
            }
            if (data.Length > 0) data.CopyTo(memory!.GetSpan(address, data.Length));
        }

        /// <summary>The <c>*_copy(dst, offset, size)</c> pattern: a slice of <paramref name="source"/> into the heap.</summary>
        public void CopyOut(ReadOnlySpan<byte> source, ReadOnlySpan<long> a)
        {
            long dst = a[0], offset = a[1], size = a[2];
            if (offset < 0 || size < 0 || offset + size > source.Length)
            {
                Violation($"ic0.{Name}: src={offset} + length={size} exceeds the slice size={source.Length}");
            }
            Write(dst, source.Slice((int)offset, (int)size));
        }

        public void Write128(long address, UInt128 value)
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128LittleEndian(bytes, value);
            Write(address, bytes);
        }
    }

    private static string Describe(EntryPoint entry) => entry switch
    {
        EntryPoint.Start => "start",
        EntryPoint.Init => "init",
        EntryPoint.PreUpgrade => "pre upgrade",
        EntryPoint.PostUpgrade => "init",
        EntryPoint.Update => "update",
        EntryPoint.ReplicatedQuery => "replicated query",
        EntryPoint.Query => "non-replicated query",
        EntryPoint.ReplyCallback => "reply callback",
        EntryPoint.RejectCallback => "reject callback",
        EntryPoint.Cleanup => "cleanup",
        EntryPoint.GlobalTimer => "system task",
        _ => entry.ToString(),
    };

    private static readonly EntryPoint[] NotStart =
        [EntryPoint.Init, EntryPoint.PreUpgrade, EntryPoint.PostUpgrade, EntryPoint.Update, EntryPoint.ReplicatedQuery, EntryPoint.Query,
         EntryPoint.ReplyCallback, EntryPoint.RejectCallback, EntryPoint.Cleanup, EntryPoint.GlobalTimer];
    // Stable memory and the performance counter are available everywhere, canister_start included (Motoko's
    // enhanced-orthogonal-persistence runtime reads stable64_size there).
    private static readonly EntryPoint[] Replying =
        [EntryPoint.Update, EntryPoint.ReplicatedQuery, EntryPoint.Query, EntryPoint.ReplyCallback, EntryPoint.RejectCallback];
    private static readonly EntryPoint[] Calling =
        [EntryPoint.Update, EntryPoint.ReplyCallback, EntryPoint.RejectCallback, EntryPoint.GlobalTimer];
    private static readonly EntryPoint[] WithCaller =
        [EntryPoint.Init, EntryPoint.PreUpgrade, EntryPoint.PostUpgrade, EntryPoint.Update, EntryPoint.ReplicatedQuery, EntryPoint.Query,
         EntryPoint.ReplyCallback, EntryPoint.RejectCallback];
    private static readonly EntryPoint[] Mutating =
        [EntryPoint.Init, EntryPoint.PreUpgrade, EntryPoint.PostUpgrade, EntryPoint.Update, EntryPoint.ReplyCallback, EntryPoint.RejectCallback,
         EntryPoint.Cleanup, EntryPoint.GlobalTimer];

    private static Impl Implementation(string name) => name switch
    {
        "msg_arg_data_size" => (c, _) =>
        {
            c.Allow(EntryPoint.Init, EntryPoint.PostUpgrade, EntryPoint.Update, EntryPoint.ReplicatedQuery, EntryPoint.Query, EntryPoint.ReplyCallback);
            return c.Ctx.Argument?.Length ?? 0;
        },
        "msg_arg_data_copy" => (c, a) =>
        {
            c.Allow(EntryPoint.Init, EntryPoint.PostUpgrade, EntryPoint.Update, EntryPoint.ReplicatedQuery, EntryPoint.Query, EntryPoint.ReplyCallback);
            c.CopyOut(c.Ctx.Argument ?? [], a);
            return 0;
        },
        "msg_caller_size" => (c, _) => { c.Allow(WithCaller); return c.Ctx.Caller!.Length; },
        "msg_caller_copy" => (c, a) => { c.Allow(WithCaller); c.CopyOut(c.Ctx.Caller!.Bytes, a); return 0; },
        "msg_reject_code" => (c, _) =>
        {
            c.Allow(EntryPoint.ReplyCallback, EntryPoint.RejectCallback);
            return c.Entry == EntryPoint.RejectCallback ? (long)c.Ctx.RejectCode : 0;
        },
        "msg_reject_msg_size" => (c, _) => { c.Allow(EntryPoint.RejectCallback); return Encoding.UTF8.GetByteCount(c.Ctx.RejectMessage ?? ""); },
        "msg_reject_msg_copy" => (c, a) => { c.Allow(EntryPoint.RejectCallback); c.CopyOut(Encoding.UTF8.GetBytes(c.Ctx.RejectMessage ?? ""), a); return 0; },
        "msg_deadline" => (c, _) =>
        {
            c.Allow(Replying);
            return 0;
        },
        "msg_reply_data_append" => (c, a) =>
        {
            c.Allow(Replying);
            if (c.Ctx.AlreadyResponded || c.Ctx.Response is not null) c.Violation("ic0.msg_reply_data_append: the call is already replied");
            var data = c.Read(a[0], a[1]);
            if (c.Ctx.ReplyData.Length + data.Length > ExecutionLimits.MaxResponseBytes)
            {
                c.Violation($"ic0.msg_reply_data_append: application payload size ({c.Ctx.ReplyData.Length + data.Length}) cannot be larger than {ExecutionLimits.MaxResponseBytes}");
            }
            c.Ctx.ReplyData.Write(data);
            return 0;
        },
        "msg_reply" => (c, _) =>
        {
            c.Allow(Replying);
            if (c.Ctx.AlreadyResponded || c.Ctx.Response is not null) c.Violation("ic0.msg_reply: the call is already replied");
            c.Ctx.Response = new CallReply(c.Ctx.ReplyData.ToArray());
            return 0;
        },
        "msg_reject" => (c, a) =>
        {
            c.Allow(Replying);
            if (c.Ctx.AlreadyResponded || c.Ctx.Response is not null) c.Violation("ic0.msg_reject: the call is already replied");
            var message = DecodeText(c, c.Read(a[0], a[1]));
            c.Ctx.Response = new CallReject(RejectCode.CanisterReject, message, "CanisterRejectedMessage");
            return 0;
        },
        "msg_cycles_available128" => (c, a) =>
        {
            c.Allow(EntryPoint.Update, EntryPoint.ReplyCallback, EntryPoint.RejectCallback);
            c.Write128(a[0], c.Ctx.CyclesAvailable);
            return 0;
        },
        "msg_cycles_refunded128" => (c, a) =>
        {
            c.Allow(EntryPoint.ReplyCallback, EntryPoint.RejectCallback);
            c.Write128(a[0], c.Ctx.CyclesRefunded);
            return 0;
        },
        "msg_cycles_accept128" => (c, a) =>
        {
            c.Allow(EntryPoint.Update, EntryPoint.ReplyCallback, EntryPoint.RejectCallback);
            var max = new UInt128((ulong)a[0], (ulong)a[1]);
            var accepted = UInt128.Min(max, c.Ctx.CyclesAvailable);
            c.Ctx.CyclesAvailable -= accepted;
            c.Ctx.CyclesAccepted += accepted;
            c.Write128(a[2], accepted);
            return 0;
        },
        "msg_method_name_size" => (c, _) =>
        {
            c.Allow(EntryPoint.Update, EntryPoint.ReplicatedQuery, EntryPoint.Query);
            return Encoding.UTF8.GetByteCount(c.Ctx.MethodName ?? "");
        },
        "msg_method_name_copy" => (c, a) =>
        {
            c.Allow(EntryPoint.Update, EntryPoint.ReplicatedQuery, EntryPoint.Query);
            c.CopyOut(Encoding.UTF8.GetBytes(c.Ctx.MethodName ?? ""), a);
            return 0;
        },
        // Only canister_inspect_message may accept a message, and this engine, like PocketIC for pic-js, runs no
        // inspection: any other entry point calling it violates the contract, as on the IC.
        "accept_message" => (c, _) => { c.Violation("\"ic0_accept_message\" cannot be executed outside canister_inspect_message"); return 0; },
        "canister_self_size" => (c, _) => { c.Allow(NotStart); return c.Ctx.Self.Length; },
        "canister_self_copy" => (c, a) => { c.Allow(NotStart); c.CopyOut(c.Ctx.Self.Bytes, a); return 0; },
        "subnet_self_size" => (c, _) => { c.Allow(NotStart); return c.Ctx.Subnet.Length; },
        "subnet_self_copy" => (c, a) => { c.Allow(NotStart); c.CopyOut(c.Ctx.Subnet.Bytes, a); return 0; },
        "canister_cycle_balance128" or "canister_liquid_cycle_balance128" => (c, a) =>
        {
            c.Allow(NotStart);
            c.Write128(a[0], c.Ctx.Canister.Cycles + c.Ctx.CyclesAccepted - c.Ctx.CyclesSpentOnCalls);
            return 0;
        },
        "canister_status" => (c, _) =>
        {
            c.Allow(NotStart);
            return c.Ctx.Canister.Status switch { CanisterStatus.Running => 1, CanisterStatus.Stopping => 2, _ => 3 };
        },
        "canister_version" => (c, _) => { c.Allow(NotStart); return (long)c.Ctx.Canister.Version; },
        "call_new" => (c, a) =>
        {
            c.Allow(Calling);
            var callee = c.Read(a[0], a[1]);
            if (callee.Length > Principal.MaxLength) c.Violation($"ic0.call_new: invalid principal of {callee.Length} bytes");
            var method = DecodeText(c, c.Read(a[2], a[3]));
            c.Ctx.PendingCall = new OutgoingCall
            {
                Callee = Principal.FromBytes(callee), Method = method,
                ReplyFunction = a[4], ReplyEnv = a[5], RejectFunction = a[6], RejectEnv = a[7],
            };
            return 0;
        },
        "call_on_cleanup" => (c, a) =>
        {
            c.Allow(Calling);
            var call = c.Ctx.PendingCall;
            if (call is null) c.Violation("ic0.call_on_cleanup: no call is in progress");
            if (call!.CleanupFunction is not null) c.Violation("ic0.call_on_cleanup: cleanup is already set for this call");
            call.CleanupFunction = a[0];
            call.CleanupEnv = a[1];
            return 0;
        },
        "call_data_append" => (c, a) =>
        {
            c.Allow(Calling);
            var call = c.Ctx.PendingCall;
            if (call is null) c.Violation("ic0.call_data_append: no call is in progress");
            var data = c.Read(a[0], a[1]);
            if (call!.Payload.Length + data.Length > ExecutionLimits.MaxInterCanisterPayloadBytes)
            {
                c.Violation($"ic0.call_data_append: the payload exceeds {ExecutionLimits.MaxInterCanisterPayloadBytes} bytes");
            }
            call.Payload.Write(data);
            return 0;
        },
        "call_with_best_effort_response" => (c, a) =>
        {
            c.Allow(Calling);
            var call = c.Ctx.PendingCall;
            if (call is null) c.Violation("ic0.call_with_best_effort_response: no call is in progress");
            if (call!.TimeoutSeconds is not null) c.Violation("ic0.call_with_best_effort_response: the timeout is already set for this call");
            call.TimeoutSeconds = (uint)Math.Clamp(a[0], 1, ExecutionLimits.MaxCallTimeoutSeconds);
            return 0;
        },
        "call_cycles_add128" => (c, a) =>
        {
            c.Allow(Calling);
            var call = c.Ctx.PendingCall;
            if (call is null) c.Violation("ic0.call_cycles_add128: no call is in progress");
            var amount = new UInt128((ulong)a[0], (ulong)a[1]);
            var balance = c.Ctx.Canister.Cycles + c.Ctx.CyclesAccepted - c.Ctx.CyclesSpentOnCalls;
            if (amount > balance)
            {
                c.Violation($"ic0.call_cycles_add128: canister {c.Ctx.Self} is out of cycles: please top up the canister with at least {amount - balance} additional cycles");
            }
            call!.Cycles += amount;
            c.Ctx.CyclesSpentOnCalls += amount;
            return 0;
        },
        "call_perform" => (c, _) =>
        {
            c.Allow(Calling);
            var call = c.Ctx.PendingCall;
            if (call is null) c.Violation("ic0.call_perform: no call is in progress");
            c.Ctx.PendingCall = null;
            c.Ctx.PerformedCalls.Add(call!);
            return 0;
        },
        "stable_size" => (c, _) =>
        {
            
            var pages = c.Sandbox.Stable.Pages;
            if (pages > ushort.MaxValue + 1) c.Violation("ic0.stable_size: stable memory is larger than 4 GiB, use ic0.stable64_size");
            return pages;
        },
        "stable_grow" => (c, a) =>
        {
            
            var stable = c.Sandbox.Stable;
            if (stable.Pages + a[0] > ushort.MaxValue + 1) return -1;
            return stable.Grow(a[0]);
        },
        "stable64_size" => (c, _) => {  return c.Sandbox.Stable.Pages; },
        "stable64_grow" => (c, a) => {  return c.Sandbox.Stable.Grow(a[0]); },
        "stable_write" or "stable64_write" => (c, a) =>
        {
            
            long offset = a[0], src = a[1], size = a[2];
            if (!c.Sandbox.Stable.InBounds(offset, size)) c.Violation($"ic0.{c.Name}: stable memory out of bounds (offset {offset}, size {size})");
            c.Sandbox.Stable.Write(offset, c.Read(src, size));
            return 0;
        },
        "stable_read" or "stable64_read" => (c, a) =>
        {
            
            long dst = a[0], offset = a[1], size = a[2];
            if (!c.Sandbox.Stable.InBounds(offset, size)) c.Violation($"ic0.{c.Name}: stable memory out of bounds (offset {offset}, size {size})");
            if (size > int.MaxValue) c.Violation($"ic0.{c.Name}: size {size} is too large");
            var buffer = new byte[size];
            c.Sandbox.Stable.Read(offset, buffer);
            c.Write(dst, buffer);
            return 0;
        },
        "certified_data_set" => (c, a) =>
        {
            c.Allow(Mutating);
            if (a[1] > 32) c.Violation($"ic0.certified_data_set: the certified data is {a[1]} bytes, at most 32 are allowed");
            c.Ctx.NewCertifiedData = c.Read(a[0], a[1]);
            return 0;
        },
        // The engine signs nothing, so no message ever carries a data certificate (as in a replicated update).
        "data_certificate_present" => (c, _) => { c.Allow(NotStart); return 0; },
        "data_certificate_size" or "data_certificate_copy" => (c, _) =>
        {
            c.Violation($"ic0.{c.Name}: no data certificate is available in this context");
            return 0;
        },
        "time" => (c, _) => { c.Allow(NotStart); return (long)c.Ctx.Time; },
        "global_timer_set" => (c, a) =>
        {
            c.Allow(Mutating);
            var previous = c.Ctx.NewGlobalTimer ?? c.Ctx.Canister.GlobalTimer;
            c.Ctx.NewGlobalTimer = (ulong)a[0];
            return (long)previous;
        },
        "performance_counter" => (c, a) =>
        {
            
            var used = c.Ctx.InstructionLimit - (long)c.Caller.Fuel;
            // Type 0: instructions of this execution; type 1: of the call context (this engine runs no DTS slices,
            // so the same number).
            return a[0] is 0 or 1 ? Math.Max(used, 0) : 0;
        },
        "is_controller" => (c, a) =>
        {
            c.Allow(NotStart);
            var bytes = c.Read(a[0], a[1]);
            if (bytes.Length > Principal.MaxLength) c.Violation($"ic0.is_controller: invalid principal of {bytes.Length} bytes");
            var principal = Principal.FromBytes(bytes);
            return c.Ctx.Canister.Settings.Controllers.Contains(principal) ? 1 : 0;
        },
        "in_replicated_execution" => (c, _) => { c.Allow(NotStart); return c.Entry == EntryPoint.Query ? 0 : 1; },
        "debug_print" => (c, a) =>
        {
            // Never traps: a bad range prints nothing, as on the IC.
            var memory = c.Sandbox.Memory;
            if (memory is not null && a[0] >= 0 && a[1] >= 0 && a[0] + a[1] <= memory.GetLength() && a[1] <= 64 * 1024)
            {
                c.Ctx.DebugPrints.Add(Encoding.UTF8.GetString(memory.GetSpan(a[0], (int)a[1])));
            }
            return 0;
        },
        "trap" => (c, a) =>
        {
            var memory = c.Sandbox.Memory;
            var text = memory is not null && a[0] >= 0 && a[1] >= 0 && a[0] + a[1] <= memory.GetLength()
                ? Encoding.UTF8.GetString(memory.GetSpan(a[0], (int)Math.Min(a[1], 16 * 1024)))
                : "";
            c.Ctx.Failure = new ExecutionFailure("CanisterCalledTrap", $"Canister {c.Ctx.Self} trapped explicitly: {text}");
            throw new CanisterTrapException(c.Ctx.Failure.Message);
        },
        _ => throw new InvalidOperationException($"ic0.{name} is listed but not implemented"),
    };

    private static string DecodeText(Call c, byte[] bytes)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { c.Violation($"ic0.{c.Name}: the text is not valid UTF-8"); return ""; }
    }
}

/// <summary>The IC's per-message limits the engine enforces.</summary>
internal static class ExecutionLimits
{
    public const int MaxResponseBytes = 2 * 1024 * 1024;
    public const int MaxInterCanisterPayloadBytes = 2 * 1024 * 1024;
    public const int MaxCallTimeoutSeconds = 300;
}
