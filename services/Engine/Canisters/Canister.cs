using System.Numerics;
using Platform.Candid;
using Platform.Engine.Runtime;

namespace Platform.Engine.Canisters;

internal enum CanisterStatus { Running, Stopping, Stopped }

/// <summary>A canister's settings as <c>update_settings</c> and <c>canister_status</c> see them (IC defaults).</summary>
internal sealed class CanisterSettings
{
    public List<Principal> Controllers { get; set; } = [];
    public BigInteger ComputeAllocation { get; set; }
    public BigInteger MemoryAllocation { get; set; }
    public BigInteger FreezingThreshold { get; set; } = 2_592_000;
    public BigInteger ReservedCyclesLimit { get; set; } = 5_000_000_000_000;
    public string LogVisibility { get; set; } = "controllers";
    public List<Principal> LogViewers { get; set; } = [];
    public BigInteger WasmMemoryLimit { get; set; } = 3L * 1024 * 1024 * 1024;
    public BigInteger WasmMemoryThreshold { get; set; }
    public List<(string Name, string Value)> EnvironmentVariables { get; set; } = [];
}

/// <summary>Where a call context came from, so its response goes back there.</summary>
internal abstract record CallOrigin;

internal sealed record IngressOrigin(string MessageId) : CallOrigin;

internal sealed record CanisterOrigin(Principal Caller, long CallbackId, ulong? Deadline) : CallOrigin;

/// <summary>System tasks (the global timer): nobody waits for their answer.</summary>
internal sealed record SystemOrigin : CallOrigin;

/// <summary>An incoming call being processed by the canister (interface specification, "call contexts").</summary>
internal sealed class CallContext(long id, CallOrigin origin, Principal caller, UInt128 cycles)
{
    public long Id { get; } = id;
    public CallOrigin Origin { get; } = origin;
    public Principal Caller { get; } = caller;
    public UInt128 AvailableCycles { get; set; } = cycles;
    public bool Responded { get; set; }
    public int OutstandingCallbacks { get; set; }
}

/// <summary>What to run when the response to one of this canister's outgoing calls arrives.</summary>
internal sealed record Callback(
    long Id, long CallContextId, Principal Callee, long ReplyFunction, long ReplyEnv, long RejectFunction, long RejectEnv,
    long? CleanupFunction, long CleanupEnv, UInt128 CyclesSent, ulong? Deadline)
{
    /// <summary>The call's client span, ended when its response is delivered (null without a trace listener).</summary>
    public System.Diagnostics.Activity? Span { get; init; }
}

/// <summary>One canister of a subnet: settings, cycles, code, memories and the calls in flight.</summary>
internal sealed class Canister(Principal id, Principal subnetId)
{
    public Principal Id { get; } = id;
    public Principal SubnetId { get; } = subnetId;
    public CanisterSettings Settings { get; } = new();
    public UInt128 Cycles { get; set; }
    public CanisterStatus Status { get; set; } = CanisterStatus.Running;

    /// <summary>Messages, instructions, traps and calls since the last load sample.</summary>
    public Load.CanisterLoadCounters Load { get; } = new(id, subnetId);

    public CanisterSandbox? Sandbox { get; set; }
    public CompiledModule? Module => Sandbox?.Module;
    public StableMemory Stable { get; set; } = new();
    public byte[] CertifiedData { get; set; } = [];

    /// <summary>The global timer deadline in nanoseconds, 0 when unset.</summary>
    public ulong GlobalTimer { get; set; }

    /// <summary>Counts installs, upgrades, settings changes and successful updates (the IC's canister_version).</summary>
    public ulong Version { get; set; }

    public Dictionary<long, CallContext> CallContexts { get; } = [];
    public Dictionary<long, Callback> Callbacks { get; } = [];
    private long _nextId;
    public long NextId() => ++_nextId;

    /// <summary>The last id <see cref="NextId"/> gave (kept by a persistent instance, so ids of calls in progress stay unique).</summary>
    public long LastId { get => _nextId; set => _nextId = value; }

    /// <summary>Chunks uploaded with <c>upload_chunk</c>, by hex SHA-256.</summary>
    public Dictionary<string, byte[]> ChunkStore { get; } = [];

    /// <summary>stop_canister calls waiting for the canister to reach Stopped.</summary>
    public List<CallOrigin> PendingStops { get; } = [];

    public bool IsController(Principal principal) => Settings.Controllers.Contains(principal);

    /// <summary>Heap plus stable memory, which is what the IC reports as memory_size for these canisters.</summary>
    public long MemorySize => (Sandbox?.HeapBytes ?? 0) + Stable.Size;
}
