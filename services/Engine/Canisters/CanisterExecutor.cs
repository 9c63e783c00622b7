using Platform.Candid;
using Platform.Engine.Runtime;
using Platform.Engine.SystemApi;

namespace Platform.Engine.Canisters;

/// <summary>Instruction limits per message (the IC's production values by default; tests lower them).</summary>
internal sealed record InstructionLimits(long Update = 40_000_000_000, long Query = 5_000_000_000, long Install = 300_000_000_000);

internal enum InstallMode { Install, Reinstall, Upgrade }

/// <param name="SkipPreUpgrade">Upgrade only: do not run <c>canister_pre_upgrade</c>.</param>
/// <param name="KeepWasmMemory">Upgrade only: <c>wasm_memory_persistence = opt variant { keep }</c>.</param>
internal sealed record InstallRequest(InstallMode Mode, byte[] Module, byte[] Argument, Principal Caller, bool SkipPreUpgrade = false, bool? KeepWasmMemory = null);

/// <summary>
/// Executes messages on canisters with the IC's semantics: call contexts, a snapshot before every state-changing
/// execution that a trap restores, queries whose changes are always discarded, callbacks with cleanup, and the
/// install / reinstall / upgrade sequences where a trap anywhere leaves the canister as it was.
/// </summary>
internal sealed class CanisterExecutor(WasmRuntime runtime, InstructionLimits limits)
{
    public WasmRuntime Runtime { get; } = runtime;
    public InstructionLimits Limits { get; } = limits;

    /// <summary>A new call to <paramref name="canister"/> (ingress, inter-canister, or a replicated query).</summary>
    public void ExecuteCall(Canister canister, CallOrigin origin, Principal caller, string method, byte[] argument, UInt128 cycles, ulong time, ExecutionOutput output)
    {
        if (CheckCallable(canister, method, update: true) is { } reject)
        {
            output.Respond(origin, canister.Id, reject, cycles);
            return;
        }
        var sandbox = canister.Sandbox!;
        var isQuery = !sandbox.HasExport("canister_update " + method);
        var context = new CallContext(canister.NextId(), origin, caller, cycles);
        var api = new ApiContext
        {
            Entry = isQuery ? EntryPoint.ReplicatedQuery : EntryPoint.Update,
            Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = time,
            Argument = argument, Caller = caller, MethodName = method,
            InstructionLimit = isQuery ? Limits.Query : Limits.Update,
            CyclesAvailable = isQuery ? 0 : cycles,
            Deadline = origin is CanisterOrigin { Deadline: { } deadline } ? deadline : 0,
        };
        var snapshot = sandbox.TakeSnapshot();
        var failure = sandbox.Run(api, (isQuery ? "canister_query " : "canister_update ") + method);
        output.DebugPrints.AddRange(api.DebugPrints.Select(line => $"[Canister {canister.Id}] {line}"));
        if (isQuery || failure is not null)
        {
            // A replicated query keeps nothing but its answer; a trap keeps nothing at all.
            sandbox.Restore(snapshot);
            var result = failure?.ToReject() ?? api.Response ?? DidNotReply(canister);
            output.Respond(origin, canister.Id, result, cycles);
            return;
        }
        canister.CallContexts[context.Id] = context;
        Commit(canister, context, api, time, output);
        canister.Version++;
        Finish(canister, context, null, output);
    }

    /// <summary>
    /// A non-replicated query: runs on the current state, which is then restored whatever happened. A composite
    /// query may call queries of canisters on its own subnet (<paramref name="resolve"/> finds them); those calls
    /// and their callbacks run at once, depth first, and every canister involved is restored afterwards.
    /// </summary>
    public CallResult ExecuteQuery(Canister canister, Principal caller, string method, byte[] argument, ulong time,
        Func<Principal, Canister?>? resolve = null)
    {
        return ExecuteQuery(canister, caller, method, argument, time, resolve, []);
    }

    private CallResult ExecuteQuery(Canister canister, Principal caller, string method, byte[] argument, ulong time,
        Func<Principal, Canister?>? resolve, HashSet<Principal> active)
    {
        if (CheckCallable(canister, method, update: false) is { } reject) return reject;
        var sandbox = canister.Sandbox!;
        var composite = !sandbox.HasExport("canister_query " + method);
        var export = composite ? "canister_composite_query " + method : "canister_query " + method;
        var api = new ApiContext
        {
            Entry = EntryPoint.Query, Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = time,
            Argument = argument, Caller = caller, MethodName = method, InstructionLimit = Limits.Query, Composite = composite,
        };
        var snapshot = sandbox.TakeSnapshot();
        active.Add(canister.Id);
        try
        {
            var failure = sandbox.Run(api, export);
            if (failure is not null) return failure.ToReject();
            var response = api.Response;
            // Calls still to answer, in the order they were made; callbacks may add more.
            var pending = new Queue<OutgoingCall>(api.PerformedCalls);
            while (pending.Count > 0)
            {
                var call = pending.Dequeue();
                var callee = resolve?.Invoke(call.Callee);
                CallResult result = callee is null
                    ? CallReject.CanisterNotFound(call.Callee.ToString())
                    : callee.SubnetId != canister.SubnetId
                        ? new CallReject(RejectCode.DestinationInvalid, $"Composite query calls to {callee.Id} on another subnet are not allowed", "CompositeQueryCalledInReplicatedMode")
                        : active.Contains(callee.Id)
                            ? new CallReject(RejectCode.CanisterError, $"Canister {callee.Id} is already executing this composite query: recursive calls are not supported", "CanisterContractViolation")
                            : ExecuteQuery(callee, canister.Id, call.Method, call.Payload.ToArray(), time, resolve, active);
                var replied = result as CallReply;
                var rejected = result as CallReject;
                var callbackApi = new ApiContext
                {
                    Entry = replied is not null ? EntryPoint.ReplyCallback : EntryPoint.RejectCallback,
                    Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = time, Composite = true,
                    Argument = replied?.Data, Caller = caller, InstructionLimit = Limits.Query,
                    RejectCode = rejected?.Code ?? 0, RejectMessage = rejected?.Message, AlreadyResponded = response is not null,
                };
                var callbackFailure = sandbox.RunCallback(callbackApi, replied is not null ? call.ReplyFunction : call.RejectFunction,
                    replied is not null ? call.ReplyEnv : call.RejectEnv);
                if (callbackFailure is not null)
                {
                    if (call.CleanupFunction is { } cleanup)
                    {
                        var cleanupApi = new ApiContext
                        {
                            Entry = EntryPoint.Cleanup, Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = time,
                            InstructionLimit = Limits.Query,
                        };
                        sandbox.RunCallback(cleanupApi, cleanup, call.CleanupEnv);
                    }
                    response ??= callbackFailure.ToReject();
                    continue;
                }
                response ??= callbackApi.Response;
                foreach (var next in callbackApi.PerformedCalls) pending.Enqueue(next);
            }
            return response ?? DidNotReply(canister);
        }
        finally
        {
            active.Remove(canister.Id);
            sandbox.Restore(snapshot, keepGrownMemory: true);
        }
    }

    /// <summary>
    /// The ingress filter: a canister exporting <c>canister_inspect_message</c> must accept an update call before
    /// it is queued (its state changes are discarded). Returns the reject for a refused message, else null.
    /// </summary>
    public CallReject? InspectMessage(Canister canister, Principal caller, string method, byte[] argument, ulong time)
    {
        var sandbox = canister.Sandbox;
        if (sandbox is null || !sandbox.HasExport("canister_inspect_message") || !sandbox.HasExport("canister_update " + method)) return null;
        var api = new ApiContext
        {
            Entry = EntryPoint.InspectMessage, Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = time,
            Argument = argument, Caller = caller, MethodName = method, InstructionLimit = Limits.Query,
        };
        var snapshot = sandbox.TakeSnapshot();
        try
        {
            if (sandbox.Run(api, "canister_inspect_message") is { } failure)
            {
                return new CallReject(RejectCode.CanisterReject, $"Requested canister rejected the message: {failure.Message}", "CanisterRejectedMessage");
            }
            return api.MessageAccepted ? null
                : new CallReject(RejectCode.CanisterReject, $"Requested canister rejected the message: canister {canister.Id} did not accept it in canister_inspect_message", "CanisterRejectedMessage");
        }
        finally
        {
            sandbox.Restore(snapshot, keepGrownMemory: true);
        }
    }

    /// <summary>The response to one of <paramref name="canister"/>'s calls arrived: run its reply or reject callback.</summary>
    public void ExecuteResponse(Canister canister, CanisterResponse response, ulong time, ExecutionOutput output)
    {
        // A callback that is gone (the best-effort deadline passed, or the canister was uninstalled) drops the response.
        if (!canister.Callbacks.Remove(response.CallbackId, out var callback)) return;
        callback.Span?.Dispose();
        canister.Cycles += response.Refund;
        if (!canister.CallContexts.TryGetValue(callback.CallContextId, out var context)) return;
        context.OutstandingCallbacks--;
        var sandbox = canister.Sandbox;
        if (sandbox is null) return;

        var reply = response.Result as CallReply;
        var rejected = response.Result as CallReject;
        var api = new ApiContext
        {
            Entry = reply is not null ? EntryPoint.ReplyCallback : EntryPoint.RejectCallback,
            Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = time,
            Argument = reply?.Data, Caller = context.Caller, InstructionLimit = Limits.Update,
            CyclesAvailable = context.AvailableCycles, CyclesRefunded = response.Refund,
            RejectCode = rejected?.Code ?? 0, RejectMessage = rejected?.Message,
            AlreadyResponded = context.Responded,
        };
        var snapshot = sandbox.TakeSnapshot();
        var failure = sandbox.RunCallback(api, reply is not null ? callback.ReplyFunction : callback.RejectFunction,
            reply is not null ? callback.ReplyEnv : callback.RejectEnv);
        output.DebugPrints.AddRange(api.DebugPrints.Select(line => $"[Canister {canister.Id}] {line}"));
        if (failure is null)
        {
            Commit(canister, context, api, time, output);
            canister.Version++;
            Finish(canister, context, null, output);
            return;
        }

        sandbox.Restore(snapshot);
        if (callback.CleanupFunction is { } cleanup)
        {
            // The cleanup callback's changes are kept unless it traps too; it can neither reply nor call.
            var cleanupApi = new ApiContext
            {
                Entry = EntryPoint.Cleanup, Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = time,
                InstructionLimit = Limits.Update,
            };
            var cleanupSnapshot = sandbox.TakeSnapshot();
            if (sandbox.RunCallback(cleanupApi, cleanup, callback.CleanupEnv) is null) ApplyHostEffects(canister, cleanupApi);
            else sandbox.Restore(cleanupSnapshot);
            output.DebugPrints.AddRange(cleanupApi.DebugPrints.Select(line => $"[Canister {canister.Id}] {line}"));
        }
        Finish(canister, context, failure, output);
    }

    /// <summary>The response to a best-effort call did not arrive in time: the IC answers the caller with SYS_UNKNOWN.</summary>
    public static CanisterResponse DeadlineExpired(Canister canister, Callback callback) =>
        new(canister.Id, callback.Callee, callback.Id, new CallReject(RejectCode.SysUnknown, "Request timed out.", "RequestTimedOut"), callback.CyclesSent);

    /// <summary>Runs <c>canister_global_timer</c>; it answers nobody, but its calls and state changes count.</summary>
    public void ExecuteGlobalTimer(Canister canister, ulong time, ExecutionOutput output)
    {
        var sandbox = canister.Sandbox;
        if (sandbox is null || !sandbox.HasExport("canister_global_timer") || canister.Status != CanisterStatus.Running) return;
        var context = new CallContext(canister.NextId(), new SystemOrigin(), canister.Id, 0);
        var api = new ApiContext
        {
            Entry = EntryPoint.GlobalTimer, Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = time,
            InstructionLimit = Limits.Update, Caller = Principal.ManagementCanister,
        };
        var snapshot = sandbox.TakeSnapshot();
        var failure = sandbox.Run(api, "canister_global_timer");
        output.DebugPrints.AddRange(api.DebugPrints.Select(line => $"[Canister {canister.Id}] {line}"));
        if (failure is not null) { sandbox.Restore(snapshot); return; }
        canister.CallContexts[context.Id] = context;
        Commit(canister, context, api, time, output);
        context.Responded = true;
        canister.Version++;
        Finish(canister, context, null, output);
    }

    private static CallReject? CheckCallable(Canister canister, string method, bool update)
    {
        if (canister.Status == CanisterStatus.Stopped)
        {
            return new CallReject(RejectCode.CanisterError, $"Canister {canister.Id} is stopped", "CanisterStopped");
        }
        if (canister.Status == CanisterStatus.Stopping && update)
        {
            return new CallReject(RejectCode.CanisterError, $"Canister {canister.Id} is stopping", "CanisterStopping");
        }
        var sandbox = canister.Sandbox;
        if (sandbox is null)
        {
            return new CallReject(RejectCode.DestinationInvalid,
                $"Canister {canister.Id} is empty: attempted to execute a message, but the canister contains no Wasm module.", "CanisterWasmModuleNotFound");
        }
        var found = update
            ? sandbox.HasExport("canister_update " + method) || sandbox.HasExport("canister_query " + method)
            : sandbox.HasExport("canister_query " + method) || sandbox.HasExport("canister_composite_query " + method);
        if (!found)
        {
            var kind = update ? "update" : "query";
            return new CallReject(RejectCode.DestinationInvalid, $"Canister {canister.Id} has no {kind} method '{method}'", "CanisterMethodNotFound");
        }
        return null;
    }

    private static CallReject DidNotReply(Canister canister) =>
        new(RejectCode.CanisterError, $"Canister {canister.Id} did not produce a response", "CanisterDidNotReply");

    /// <summary>Applies a successful execution: cycles, calls, reply, certified data and timer.</summary>
    private static void Commit(Canister canister, CallContext context, ApiContext api, ulong time, ExecutionOutput output)
    {
        ApplyHostEffects(canister, api);
        canister.Cycles = canister.Cycles + api.CyclesAccepted - api.CyclesSpentOnCalls;
        context.AvailableCycles = api.CyclesAvailable;
        foreach (var call in api.PerformedCalls)
        {
            ulong? deadline = call.TimeoutSeconds is { } seconds ? time + seconds * 1_000_000_000UL : null;
            var span = Load.EngineTelemetry.CallMade(canister, call.Callee, call.Method);
            var callback = new Callback(canister.NextId(), context.Id, call.Callee, call.ReplyFunction, call.ReplyEnv, call.RejectFunction,
                call.RejectEnv, call.CleanupFunction, call.CleanupEnv, call.Cycles, deadline) { Span = span };
            canister.Callbacks[callback.Id] = callback;
            context.OutstandingCallbacks++;
            output.Messages.Add(new CanisterRequest(canister.Id, call.Callee, call.Method, call.Payload.ToArray(), call.Cycles, callback.Id, deadline)
            {
                Trace = span?.Context ?? System.Diagnostics.Activity.Current?.Context ?? default,
            });
        }
        if (api.Response is { } response && !context.Responded)
        {
            context.Responded = true;
            output.Respond(context.Origin, canister.Id, response, context.AvailableCycles);
            context.AvailableCycles = 0;
        }
    }

    private static void ApplyHostEffects(Canister canister, ApiContext api)
    {
        if (api.NewCertifiedData is { } data) canister.CertifiedData = data;
        if (api.NewGlobalTimer is { } timer) canister.GlobalTimer = timer;
    }

    /// <summary>Closes the call context once nothing more can answer it.</summary>
    private static void Finish(Canister canister, CallContext context, ExecutionFailure? failure, ExecutionOutput output)
    {
        if (context.OutstandingCallbacks > 0) return;
        canister.CallContexts.Remove(context.Id);
        if (context.Responded || context.Origin is SystemOrigin) return;
        context.Responded = true;
        output.Respond(context.Origin, canister.Id, failure?.ToReject() ?? DidNotReply(canister), context.AvailableCycles);
        context.AvailableCycles = 0;
    }

    /// <summary>Installs, reinstalls or upgrades code. Returns null on success; on any failure nothing changed.</summary>
    public CallReject? Install(Canister canister, InstallRequest request, ulong time)
    {
        CompiledModule module;
        try { module = Runtime.Compile(request.Module); }
        catch (InvalidWasmException e)
        {
            return new CallReject(RejectCode.CanisterError, $"Error from Canister {canister.Id}: Canister's Wasm module is not valid: {e.Message}", "CanisterInvalidWasm");
        }
        var old = canister.Sandbox;
        var memoryLimit = (long)System.Numerics.BigInteger.Min(canister.Settings.WasmMemoryLimit, long.MaxValue);
        switch (request.Mode)
        {
            case InstallMode.Install when old is not null:
                return new CallReject(RejectCode.CanisterError,
                    $"Canister {canister.Id} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.", "CanisterNonEmpty");
            case InstallMode.Install or InstallMode.Reinstall:
            {
                var stable = new StableMemory();
                var (oldTimer, oldCertified) = (canister.GlobalTimer, canister.CertifiedData);
                (canister.GlobalTimer, canister.CertifiedData) = (0, []);
                CanisterSandbox fresh;
                try { fresh = CanisterSandbox.Instantiate(Runtime, module, stable, memoryLimit); }
                catch (InvalidWasmException e)
                {
                    (canister.GlobalTimer, canister.CertifiedData) = (oldTimer, oldCertified);
                    return new CallReject(RejectCode.CanisterError, $"Error from Canister {canister.Id}: {e.Message}", "CanisterInvalidWasm");
                }
                var failure = RunLifecycle(canister, fresh, "canister_start", EntryPoint.Start, null, request.Caller, time)
                              ?? RunLifecycle(canister, fresh, "canister_init", EntryPoint.Init, request.Argument, request.Caller, time);
                if (failure is not null)
                {
                    fresh.Dispose();
                    (canister.GlobalTimer, canister.CertifiedData) = (oldTimer, oldCertified);
                    return failure.ToReject();
                }
                old?.Dispose();
                canister.Sandbox = fresh;
                canister.Stable = stable;
                canister.Version++;
                return null;
            }
            default:
                return Upgrade(canister, old, module, request, memoryLimit, time);
        }
    }

    private CallReject? Upgrade(Canister canister, CanisterSandbox? old, CompiledModule module, InstallRequest request, long memoryLimit, ulong time)
    {
        if (old is null)
        {
            return new CallReject(RejectCode.DestinationInvalid,
                $"Canister {canister.Id} is empty: attempted to upgrade, but the canister contains no Wasm module.", "CanisterWasmModuleNotFound");
        }
        var keep = request.KeepWasmMemory == true;
        if (!keep && old.Module.UsesEnhancedOrthogonalPersistence)
        {
            return new CallReject(RejectCode.CanisterError,
                $"Error from Canister {canister.Id}: Missing upgrade option: Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option.", "CanisterContractViolation");
        }
        if (keep && !module.UsesEnhancedOrthogonalPersistence)
        {
            return new CallReject(RejectCode.CanisterError,
                $"Error from Canister {canister.Id}: Invalid upgrade option: The `wasm_memory_persistence: opt Keep` upgrade option requires that the new canister module supports enhanced orthogonal persistence.", "CanisterContractViolation");
        }

        var snapshot = old.TakeSnapshot();
        // The IC deactivates the global timer on upgrade; post_upgrade may set it again.
        var oldTimer = canister.GlobalTimer;
        if (!request.SkipPreUpgrade && RunLifecycle(canister, old, "canister_pre_upgrade", EntryPoint.PreUpgrade, null, request.Caller, time) is { } preFailure)
        {
            old.Restore(snapshot);
            canister.GlobalTimer = oldTimer;
            return preFailure.ToReject();
        }
        canister.GlobalTimer = 0;
        CanisterSandbox fresh;
        try { fresh = CanisterSandbox.Instantiate(Runtime, module, canister.Stable, memoryLimit); }
        catch (InvalidWasmException e)
        {
            old.Restore(snapshot);
            return new CallReject(RejectCode.CanisterError, $"Error from Canister {canister.Id}: {e.Message}", "CanisterInvalidWasm");
        }
        ExecutionFailure? failure = null;
        if (keep)
        {
            // Enhanced orthogonal persistence: the old heap is the new heap, before the new code's start function.
            try { fresh.AdoptHeap(old); }
            catch (InvalidOperationException e) { failure = new ExecutionFailure("CanisterOutOfMemory", $"Canister {canister.Id}: {e.Message}"); }
        }
        failure ??= RunLifecycle(canister, fresh, "canister_start", EntryPoint.Start, null, request.Caller, time)
                    ?? RunLifecycle(canister, fresh, "canister_post_upgrade", EntryPoint.PostUpgrade, request.Argument, request.Caller, time);
        if (failure is not null)
        {
            fresh.Dispose();
            old.Restore(snapshot);
            canister.GlobalTimer = oldTimer;
            return failure.ToReject();
        }
        old.Dispose();
        canister.Sandbox = fresh;
        canister.Version++;
        return null;
    }

    private ExecutionFailure? RunLifecycle(Canister canister, CanisterSandbox sandbox, string export, EntryPoint entry, byte[]? argument, Principal caller, ulong time)
    {
        if (!sandbox.HasExport(export)) return null;
        var api = new ApiContext
        {
            Entry = entry, Self = canister.Id, Subnet = canister.SubnetId, Canister = canister, Time = time,
            Argument = argument ?? [], Caller = caller, InstructionLimit = Limits.Install,
        };
        var failure = sandbox.Run(api, export);
        if (failure is null) ApplyHostEffects(canister, api);
        return failure;
    }

    /// <summary>uninstall_code: code and memories go; open calls are rejected, outstanding callbacks dropped.</summary>
    public static void Uninstall(Canister canister, ExecutionOutput output)
    {
        canister.Sandbox?.Dispose();
        canister.Sandbox = null;
        canister.Stable = new StableMemory();
        canister.CertifiedData = [];
        canister.GlobalTimer = 0;
        foreach (var context in canister.CallContexts.Values.Where(c => !c.Responded))
        {
            output.Respond(context.Origin, canister.Id, new CallReject(RejectCode.CanisterReject, "Canister has been uninstalled.", "CanisterRejectedMessage"), context.AvailableCycles);
        }
        canister.CallContexts.Clear();
        canister.Callbacks.Clear();
        canister.Version++;
    }
}
