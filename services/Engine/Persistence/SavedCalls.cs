using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;

namespace Platform.Engine.Persistence;

/// <summary>
/// A canister's open call contexts and outstanding callbacks in a checkpoint: what a canister that awaits an answer
/// (another canister's, or an HTTPS outcall's) needs so the answer, or the IC's reject, can still reach it after a
/// restart. Principals are text, cycles strings (they do not fit a JSON double).
/// </summary>
/// <param name="Stops">The stop_canister calls waiting for the canister to stop (null when none, and in older checkpoints).</param>
internal sealed record SavedCalls(long LastId, SavedCallContext[] Contexts, SavedCallback[] Callbacks, SavedStop[]? Stops = null)
{
    public static SavedCalls? Of(Canister canister) =>
        canister.CallContexts.Count == 0 && canister.Callbacks.Count == 0 && canister.LastId == 0 && canister.PendingStops.Count == 0
            ? null
            : new(canister.LastId,
                canister.CallContexts.Values.OrderBy(c => c.Id).Select(SavedCallContext.Of).ToArray(),
                canister.Callbacks.Values.OrderBy(c => c.Id).Select(SavedCallback.Of).ToArray(),
                canister.PendingStops.Count == 0 ? null : canister.PendingStops.Select(SavedStop.Of).OfType<SavedStop>().ToArray());

    public void ApplyTo(Canister canister)
    {
        canister.LastId = LastId;
        foreach (var context in Contexts) canister.CallContexts[context.Id] = context.ToContext();
        foreach (var callback in Callbacks) canister.Callbacks[callback.Id] = callback.ToCallback();
        foreach (var stop in Stops ?? []) canister.PendingStops.Add(stop.ToOrigin());
    }

    /// <summary>
    /// After loading: messages between canisters are not kept (in queues, in the management canister's inbox,
    /// outcalls being performed; ingress messages are), so a callback whose answer was travelling would wait forever. Each one gets the reject the IC
    /// gives a call that could not be completed, delivered in the next round: SYS_TRANSIENT, or SYS_UNKNOWN
    /// "Request timed out." for a best-effort call (which may have executed). A callback whose callee still holds the
    /// call (an open, unanswered call context) keeps waiting: that callee answers when its own calls are settled; so
    /// does a stop_canister call, answered when its canister stops.
    /// Returns how many callbacks were rejected.
    /// </summary>
    public static int RejectLost(EngineInstance instance)
    {
        var held = new HashSet<(Principal Caller, long CallbackId)>();
        var stops = new HashSet<(Principal Caller, long CallbackId)>();
        foreach (var canister in instance.Subnets.SelectMany(s => s.Canisters.Values))
        {
            foreach (var context in canister.CallContexts.Values)
            {
                if (!context.Responded && context.Origin is CanisterOrigin origin) held.Add((origin.Caller, origin.CallbackId));
            }
            // A stop_canister call is answered when its canister stops, which the restart does not change.
            foreach (var stop in canister.PendingStops)
            {
                if (stop is CanisterOrigin origin) stops.Add((origin.Caller, origin.CallbackId));
            }
        }
        var rejected = 0;
        foreach (var subnet in instance.Subnets)
        {
            foreach (var canister in subnet.Canisters.Values)
            {
                foreach (var callback in canister.Callbacks.Values.OrderBy(c => c.Id))
                {
                    if ((callback.Callee.IsManagementCanister ? stops : held).Contains((canister.Id, callback.Id))) continue;
                    var reject = callback.Deadline is not null
                        ? new CallReject(RejectCode.SysUnknown, "Request timed out.", "RequestTimedOut")
                        : new CallReject(RejectCode.SysTransient,
                            callback.Callee.IsManagementCanister
                                ? $"The call to the management canister (an HTTPS outcall or another request) was in flight when the engine restarted; its answer was lost"
                                : $"The call to {callback.Callee} was in flight when the engine restarted; its answer was lost",
                            "CanisterRequestLost");
                    // What the call carried comes back: the engine cannot tell whether the callee kept any of it.
                    subnet.Inbox.Enqueue(new CanisterResponse(canister.Id, callback.Callee, callback.Id, reject, callback.CyclesSent));
                    rejected++;
                }
            }
        }
        return rejected;
    }
}

/// <param name="Origin">"ingress", "canister" or "system".</param>
internal sealed record SavedCallContext(
    long Id, string Origin, string? MessageId, string? OriginCaller, long OriginCallbackId, ulong? OriginDeadline,
    string Caller, string AvailableCycles, bool Responded, int OutstandingCallbacks)
{
    public static SavedCallContext Of(CallContext c) => c.Origin switch
    {
        IngressOrigin i => new(c.Id, "ingress", i.MessageId, null, 0, null, c.Caller.ToString(), c.AvailableCycles.ToString(), c.Responded, c.OutstandingCallbacks),
        CanisterOrigin o => new(c.Id, "canister", null, o.Caller.ToString(), o.CallbackId, o.Deadline, c.Caller.ToString(), c.AvailableCycles.ToString(), c.Responded, c.OutstandingCallbacks),
        _ => new(c.Id, "system", null, null, 0, null, c.Caller.ToString(), c.AvailableCycles.ToString(), c.Responded, c.OutstandingCallbacks),
    };

    public CallContext ToContext()
    {
        CallOrigin origin = Origin switch
        {
            "ingress" => new IngressOrigin(MessageId ?? throw new CheckpointCorruptException($"call context {Id} has no message id")),
            "canister" => new CanisterOrigin(Principal.FromText(OriginCaller ?? throw new CheckpointCorruptException($"call context {Id} has no caller")), OriginCallbackId, OriginDeadline),
            "system" => new SystemOrigin(),
            _ => throw new CheckpointCorruptException($"call context {Id} has an unknown origin '{Origin}'"),
        };
        return new CallContext(Id, origin, Principal.FromText(Caller), UInt128.Parse(AvailableCycles))
        {
            Responded = Responded,
            OutstandingCallbacks = OutstandingCallbacks,
        };
    }
}

internal sealed record SavedCallback(
    long Id, long CallContextId, string Callee, long ReplyFunction, long ReplyEnv, long RejectFunction, long RejectEnv,
    long? CleanupFunction, long CleanupEnv, string CyclesSent, ulong? Deadline)
{
    public static SavedCallback Of(Callback c) => new(
        c.Id, c.CallContextId, c.Callee.ToString(), c.ReplyFunction, c.ReplyEnv, c.RejectFunction, c.RejectEnv,
        c.CleanupFunction, c.CleanupEnv, c.CyclesSent.ToString(), c.Deadline);

    public Callback ToCallback() => new(
        Id, CallContextId, Principal.FromText(Callee), ReplyFunction, ReplyEnv, RejectFunction, RejectEnv,
        CleanupFunction, CleanupEnv, UInt128.Parse(CyclesSent), Deadline);
}
