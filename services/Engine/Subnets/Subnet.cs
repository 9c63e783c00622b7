using Microsoft.Extensions.Logging;
using Platform.Candid;
using Platform.Engine.Canisters;

namespace Platform.Engine.Subnets;

/// <summary>The subnet kinds PocketIC knows, with the names its topology uses.</summary>
internal enum SubnetKind { Application, System, VerifiedApplication, NNS, SNS, II, Fiduciary, Bitcoin }

/// <summary>An inclusive range of canister indices (the u64 inside a canister id).</summary>
internal readonly record struct CanisterRange(ulong Start, ulong End)
{
    public bool Contains(ulong index) => index >= Start && index <= End;
}

/// <summary>
/// One subnet: its canisters, its input queue and its share of each round. Subnets never touch each other's
/// canisters; what one produces for another is routed by the instance between rounds, so subnets execute in
/// parallel.
/// </summary>
internal sealed partial class Subnet(Principal id, SubnetKind kind, byte[] seed, IReadOnlyList<CanisterRange> ranges, CanisterRange allocation, ILogger logger)
{
    public Principal Id { get; } = id;
    public SubnetKind Kind { get; } = kind;
    public byte[] Seed { get; } = seed;

    /// <summary>The ranges the topology lists: the allocation range plus, for named subnets, their mainnet range.</summary>
    public IReadOnlyList<CanisterRange> Ranges { get; } = ranges;
    public CanisterRange Allocation { get; } = allocation;

    /// <summary>Where <see cref="AllocateId"/> looks next (kept by a persistent instance, so deleted ids are not reused).</summary>
    public ulong NextIndex { get; set; } = allocation.Start;

    public Dictionary<Principal, Canister> Canisters { get; } = [];

    /// <summary>When this subnet's last round with work started and ended (Stopwatch timestamps): rounds overlap across subnets.</summary>
    public (long Started, long Ended) LastRound { get; private set; }
    public Queue<SubnetMessage> Inbox { get; } = new();

    public bool Covers(Principal canisterId) =>
        canisterId.TryGetCanisterIndex(out var index) && Ranges.Any(r => r.Contains(index));

    /// <summary>The next free canister id of the allocation range, or null when the range is used up.</summary>
    public Principal? AllocateId()
    {
        while (NextIndex <= Allocation.End)
        {
            var id = Principal.FromCanisterIndex(NextIndex++);
            if (!Canisters.ContainsKey(id)) return id;
        }
        return null;
    }

    /// <summary>Executes everything queued when the round started; messages produced go to the returned output.</summary>
    public ExecutionOutput ExecuteRound(CanisterExecutor executor, ulong time)
    {
        var output = new ExecutionOutput();
        var started = Inbox.Count > 0 ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        for (var n = Inbox.Count; n > 0; n--)
        {
            var message = Inbox.Dequeue();
            try
            {
                Execute(executor, message, time, output);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // An engine bug must not take the subnet down: the message fails with a system error instead.
                LogExecutionFailed(e, Id.ToString(), message.Receiver.ToString());
                var reject = new CallReject(RejectCode.SysFatal, $"Internal error while executing a message for {message.Receiver}: {e.Message}", "CanisterTrapped");
                switch (message)
                {
                    case IngressMessage ingress: output.IngressResults.Add((ingress.MessageId, reject)); break;
                    case CanisterRequest request: output.Messages.Add(new CanisterResponse(request.Sender, request.Receiver, request.CallbackId, reject, request.Cycles)); break;
                }
            }
        }
        if (started != 0) LastRound = (started, System.Diagnostics.Stopwatch.GetTimestamp());
        foreach (var line in output.DebugPrints) LogDebugPrint(Id.ToString(), line);
        output.DebugPrints.Clear();
        return output;
    }

    private void Execute(CanisterExecutor executor, SubnetMessage message, ulong time, ExecutionOutput output)
    {
        if (!Canisters.TryGetValue(message.Receiver, out var canister))
        {
            var missing = CallReject.CanisterNotFound(message.Receiver.ToString());
            switch (message)
            {
                case IngressMessage ingress: output.IngressResults.Add((ingress.MessageId, missing)); break;
                case CanisterRequest request: output.Messages.Add(new CanisterResponse(request.Sender, request.Receiver, request.CallbackId, missing, request.Cycles)); break;
            }
            return;
        }
        // A response continues the call's span (its callback holds it); other messages carry their parent.
        var parent = message is CanisterResponse answer && canister.Callbacks.TryGetValue(answer.CallbackId, out var callback) && callback.Span is { } span
            ? span.Context
            : message.Trace;
        using var activity = Load.EngineTelemetry.StartMessage(KindOf(message), canister.Load.CanisterTag, canister.Load.SubnetTag,
            message switch { IngressMessage i => i.Method, CanisterRequest r => r.Method, _ => null }, parent);
        switch (message)
        {
            case IngressMessage ingress:
                executor.ExecuteCall(canister, new IngressOrigin(ingress.MessageId), ingress.Sender, ingress.Method, ingress.Payload, 0, time, output);
                break;
            case CanisterRequest request:
                executor.ExecuteCall(canister, new CanisterOrigin(request.Sender, request.CallbackId, request.Deadline), request.Sender,
                    request.Method, request.Payload, request.Cycles, time, output);
                break;
            case CanisterResponse response:
                executor.ExecuteResponse(canister, response, time, output);
                break;
            case GlobalTimerTask:
                executor.ExecuteGlobalTimer(canister, time, output);
                break;
        }
    }

    private static string KindOf(SubnetMessage message) => message switch
    {
        IngressMessage => "ingress",
        CanisterRequest => "request",
        CanisterResponse => "response",
        _ => "timer",
    };

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Subnet {Subnet}: executing a message for {Canister} failed inside the engine")]
    private partial void LogExecutionFailed(Exception exception, string subnet, string canister);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Subnet {Subnet}: {Line}")]
    private partial void LogDebugPrint(string subnet, string line);

    private readonly ILogger _logger = logger;
}
