using Platform.Candid;
using Platform.Engine.Canisters;

namespace Platform.Engine.SystemApi;

/// <summary>The kinds of entry points the IC runs, which decide which <c>ic0</c> functions are allowed.</summary>
internal enum EntryPoint
{
    Start,
    Init,
    PreUpgrade,
    PostUpgrade,
    Update,
    ReplicatedQuery,
    Query,
    ReplyCallback,
    RejectCallback,
    Cleanup,
    GlobalTimer,
}

/// <summary>A call the canister is assembling with <c>call_new</c> ... <c>call_perform</c>.</summary>
internal sealed class OutgoingCall
{
    public required Principal Callee { get; init; }
    public required string Method { get; init; }
    public required long ReplyFunction { get; init; }
    public required long ReplyEnv { get; init; }
    public required long RejectFunction { get; init; }
    public required long RejectEnv { get; init; }
    public long? CleanupFunction { get; set; }
    public long CleanupEnv { get; set; }
    public MemoryStream Payload { get; } = new();
    public UInt128 Cycles { get; set; }
    public uint? TimeoutSeconds { get; set; }
}

/// <summary>
/// Everything one message execution sees through the System API and what it produced. Effects on the host side
/// (reply, calls, certified data, timer, cycles) stay here until the execution commits; a trap drops them.
/// </summary>
internal sealed class ApiContext
{
    public required EntryPoint Entry { get; init; }
    public required Principal Self { get; init; }
    public required Principal Subnet { get; init; }
    public required Canister Canister { get; init; }
    public required ulong Time { get; init; }
    public byte[]? Argument { get; init; }
    public Principal? Caller { get; init; }
    public string? MethodName { get; init; }
    public long InstructionLimit { get; init; }

    /// <summary>Cycles the message carries that the canister may still accept (updates and callbacks).</summary>
    public UInt128 CyclesAvailable { get; set; }
    public UInt128 CyclesAccepted { get; set; }
    public UInt128 CyclesRefunded { get; init; }

    // Reject callbacks only.
    public RejectCode RejectCode { get; init; }
    public string? RejectMessage { get; init; }

    /// <summary>True when the call context was answered before this execution (an earlier callback replied).</summary>
    public bool AlreadyResponded { get; init; }
    public MemoryStream ReplyData { get; } = new();
    public CallResult? Response { get; set; }

    public OutgoingCall? PendingCall { get; set; }
    public List<OutgoingCall> PerformedCalls { get; } = [];
    public UInt128 CyclesSpentOnCalls { get; set; }

    public byte[]? NewCertifiedData { get; set; }
    public ulong? NewGlobalTimer { get; set; }
    public List<string> DebugPrints { get; } = [];

    /// <summary>Set by the host before it throws, so the trap's reason survives Wasmtime's exception wrapping.</summary>
    public ExecutionFailure? Failure { get; set; }

    /// <summary>Fuel the execution burnt (Wasmtime counts about one unit per instruction).</summary>
    public long InstructionsUsed { get; set; }

    public bool IsQuery => Entry is EntryPoint.Query or EntryPoint.ReplicatedQuery;
}

/// <summary>Why an execution failed: the reject the IC reports for it.</summary>
internal sealed record ExecutionFailure(string ErrorCode, string Message)
{
    public CallReject ToReject() => new(RejectCode.CanisterError, Message, ErrorCode);
}

/// <summary>Thrown from a host function to trap the running canister; its reason is in <see cref="ApiContext.Failure"/>.</summary>
internal sealed class CanisterTrapException(string message) : Exception(message);
