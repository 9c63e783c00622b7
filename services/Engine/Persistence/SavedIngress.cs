using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;

namespace Platform.Engine.Persistence;

/// <summary>
/// An ingress message of the persistent instance in a checkpoint, from the moment its submission is acknowledged
/// until its result is collected: queued (everything needed to execute it after a restart), started (a canister
/// holds its call context, which the canister's record keeps) or done (the result, for the client's await).
/// </summary>
/// <param name="State">"queued", "started" or "done".</param>
/// <param name="EffectiveSubnet">A management canister message's effective subnet (text), when it had one.</param>
internal sealed record SavedIngress(
    string Id, string State, string? Sender = null, string? Receiver = null, string? Method = null, byte[]? Payload = null,
    string? EffectiveSubnet = null, SavedResult? Result = null)
{
    public static SavedIngress[]? Of(EngineInstance instance)
    {
        var entries = instance.IngressEntries();
        if (entries.Count == 0) return null;
        return entries.Select(e => e switch
        {
            { Result: { } result } => new SavedIngress(e.Id, "done", Result: SavedResult.Of(result)),
            { Queued: { } m } => new SavedIngress(e.Id, "queued", m.Sender.ToString(), m.Receiver.ToString(), m.Method, m.Payload, e.EffectiveSubnet?.Id.ToString()),
            _ => new SavedIngress(e.Id, "started"),
        }).ToArray();
    }

    public IngressEntry ToEntry(EngineInstance instance) => State switch
    {
        "done" => new IngressEntry(Id, Result?.ToResult() ?? throw new CheckpointCorruptException($"ingress message {Id} is done but has no result"), null, null),
        "queued" => new IngressEntry(Id, null,
            new IngressMessage(Id, Text(Sender), Text(Receiver), Method ?? throw Missing("method"), Payload ?? throw Missing("payload")),
            EffectiveSubnet is { } subnet ? instance.FindSubnet(Principal.FromText(subnet)) : null),
        "started" => new IngressEntry(Id, null, null, null),
        _ => throw new CheckpointCorruptException($"ingress message {Id} is in an unknown state '{State}'"),
    };

    private Principal Text(string? principal) => Principal.FromText(principal ?? throw Missing("principal"));

    private CheckpointCorruptException Missing(string field) => new($"queued ingress message {Id} has no {field}");
}

/// <summary>A call's result in a checkpoint: a reply's data, or a reject's code, message and error code.</summary>
internal sealed record SavedResult(byte[]? Reply, int Code = 0, string? Message = null, string? ErrorCode = null)
{
    public static SavedResult Of(CallResult result) => result switch
    {
        CallReply reply => new SavedResult(reply.Data),
        CallReject reject => new SavedResult(null, (int)reject.Code, reject.Message, reject.ErrorCode),
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    public CallResult ToResult() => Reply is { } data ? new CallReply(data) : new CallReject((RejectCode)Code, Message ?? "", ErrorCode ?? "");
}

/// <summary>A stop_canister call waiting for its canister to stop: who gets the answer.</summary>
/// <param name="Origin">"ingress" or "canister".</param>
internal sealed record SavedStop(string Origin, string? MessageId, string? Caller, long CallbackId, ulong? Deadline)
{
    public static SavedStop? Of(CallOrigin origin) => origin switch
    {
        IngressOrigin i => new SavedStop("ingress", i.MessageId, null, 0, null),
        CanisterOrigin c => new SavedStop("canister", null, c.Caller.ToString(), c.CallbackId, c.Deadline),
        _ => null,
    };

    public CallOrigin ToOrigin() => Origin switch
    {
        "ingress" => new IngressOrigin(MessageId ?? throw new CheckpointCorruptException("a pending stop has no message id")),
        "canister" => new CanisterOrigin(Principal.FromText(Caller ?? throw new CheckpointCorruptException("a pending stop has no caller")), CallbackId, Deadline),
        _ => throw new CheckpointCorruptException($"a pending stop has an unknown origin '{Origin}'"),
    };
}
