using Platform.Candid;

namespace Platform.Engine.Canisters;

/// <summary>A message waiting in a subnet's input queue.</summary>
internal abstract record SubnetMessage(Principal Receiver)
{
    /// <summary>The span this message continues: the sender's call span, or the ingress request's.</summary>
    public System.Diagnostics.ActivityContext Trace { get; init; }
}

/// <summary>An ingress (user) message; <paramref name="MessageId"/> is what the sender awaits.</summary>
internal sealed record IngressMessage(string MessageId, Principal Sender, Principal Receiver, string Method, byte[] Payload)
    : SubnetMessage(Receiver);

/// <summary>A call from one canister to another (or to the management canister).</summary>
internal sealed record CanisterRequest(
    Principal Sender, Principal Receiver, string Method, byte[] Payload, UInt128 Cycles, long CallbackId, ulong? Deadline)
    : SubnetMessage(Receiver);

/// <summary>The answer to a <see cref="CanisterRequest"/>, travelling back to <paramref name="Receiver"/> (the caller).</summary>
internal sealed record CanisterResponse(Principal Receiver, Principal Responder, long CallbackId, CallResult Result, UInt128 Refund)
    : SubnetMessage(Receiver);

/// <summary>The global timer of <paramref name="Receiver"/> fired.</summary>
internal sealed record GlobalTimerTask(Principal Receiver) : SubnetMessage(Receiver);

/// <summary>What one execution produced for other canisters, subnets or ingress senders.</summary>
internal sealed class ExecutionOutput
{
    public List<SubnetMessage> Messages { get; } = [];
    public List<(string MessageId, CallResult Result)> IngressResults { get; } = [];
    public List<string> DebugPrints { get; } = [];

    public void Respond(CallOrigin origin, Principal responder, CallResult result, UInt128 refund)
    {
        switch (origin)
        {
            case IngressOrigin ingress: IngressResults.Add((ingress.MessageId, result)); break;
            case CanisterOrigin canister: Messages.Add(new CanisterResponse(canister.Caller, responder, canister.CallbackId, result, refund)); break;
        }
    }

    public void Append(ExecutionOutput other)
    {
        Messages.AddRange(other.Messages);
        IngressResults.AddRange(other.IngressResults);
        DebugPrints.AddRange(other.DebugPrints);
    }
}
