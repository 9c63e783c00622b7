using System.Numerics;
using Platform.Candid;

namespace Platform.Engine.Client;

/// <summary>One subnet's spec as PocketIC takes it; every field is always sent (a real server requires them).</summary>
public sealed record SubnetSpec(
    string DtsFlag = "Enabled",
    string InstructionConfig = "Production",
    string CostSchedule = "Normal",
    string? StateFromPath = null);

/// <summary>
/// The subnets of a new instance. The four arrays are always sent, empty or not (PocketIC v13 requires
/// <c>cloud_engine</c>); the named subnets only when set, as pic-js does.
/// </summary>
public sealed record SubnetConfig
{
    public IReadOnlyList<SubnetSpec> Application { get; init; } = [new()];
    public IReadOnlyList<SubnetSpec> System { get; init; } = [];
    public IReadOnlyList<SubnetSpec> VerifiedApplication { get; init; } = [];
    public IReadOnlyList<SubnetSpec> CloudEngine { get; init; } = [];
    public SubnetSpec? Nns { get; init; }
    public SubnetSpec? Sns { get; init; }
    public SubnetSpec? II { get; init; }
    public SubnetSpec? Fiduciary { get; init; }
    public SubnetSpec? Bitcoin { get; init; }

    public static SubnetConfig WithApplicationSubnets(int count) =>
        new() { Application = [.. Enumerable.Range(0, count).Select(_ => new SubnetSpec())] };
}

/// <summary>An entry of <c>GET /instances</c>: its id, its state ("Available", "Deleted") and its name when the server names it.</summary>
public sealed record InstanceSummary(int Id, string State, string? Name);

public sealed record CanisterRange(Principal Start, Principal End);

public sealed record SubnetTopology(Principal Id, string Kind, IReadOnlyList<CanisterRange> CanisterRanges)
{
    public bool Covers(Principal canisterId) =>
        CanisterRanges.Any(r => r.Start.CompareTo(canisterId) <= 0 && canisterId.CompareTo(r.End) <= 0 && canisterId.Length == r.Start.Length);
}

public sealed record Topology(IReadOnlyList<SubnetTopology> Subnets, Principal DefaultEffectiveCanisterId)
{
    public IEnumerable<SubnetTopology> ApplicationSubnets => Subnets.Where(s => s.Kind == "Application");
}

/// <summary>Where PocketIC routes a call: <c>"None"</c>, a subnet or a canister.</summary>
public abstract record EffectivePrincipal
{
    public static EffectivePrincipal None { get; } = new NoEffectivePrincipal();
    public static EffectivePrincipal Subnet(Principal id) => new SubnetPrincipal(id);
    public static EffectivePrincipal Canister(Principal id) => new CanisterPrincipal(id);
}

public sealed record NoEffectivePrincipal : EffectivePrincipal;
public sealed record SubnetPrincipal(Principal Id) : EffectivePrincipal;
public sealed record CanisterPrincipal(Principal Id) : EffectivePrincipal;

/// <summary>A call to a canister (or to the management canister, <see cref="Principal.ManagementCanister"/>).</summary>
public sealed record CanisterCall(Principal Sender, Principal CanisterId, string Method, byte[] Payload)
{
    public EffectivePrincipal EffectivePrincipal { get; init; } = EffectivePrincipal.None;
}

/// <summary>
/// A submitted ingress message, as the server answered it. The effective principal and message id are kept as the
/// server's JSON text and echoed back verbatim when awaiting (a real server validates them).
/// </summary>
public sealed record IngressMessage(string EffectivePrincipalJson, string MessageIdBase64)
{
    public byte[] MessageId => Convert.FromBase64String(MessageIdBase64);
}

/// <summary>The outcome of a call: a reply, or the IC's reject.</summary>
public abstract record CallOutcome
{
    /// <summary>The reply bytes; <see cref="CanisterRejectedException"/> for a reject.</summary>
    public byte[] ReplyOrThrow(string what) => this switch
    {
        CallReply reply => reply.Data,
        CallRejected reject => throw new CanisterRejectedException(what, reject),
        _ => throw new InvalidOperationException("unknown outcome"),
    };
}

public sealed record CallReply(byte[] Data) : CallOutcome;

/// <param name="RejectCode">1 SYS_FATAL, 2 SYS_TRANSIENT, 3 DESTINATION_INVALID, 4 CANISTER_REJECT, 5 CANISTER_ERROR, 6 SYS_UNKNOWN.</param>
/// <param name="ErrorCode">The IC's error code name, e.g. "CanisterCalledTrap".</param>
public sealed record CallRejected(int RejectCode, string RejectMessage, string ErrorCode, bool Certified) : CallOutcome;

public enum CanisterRunStatus { Running, Stopping, Stopped }

/// <summary>The settings a canister is created or updated with; null fields are left as they are (or the defaults).</summary>
public sealed record CanisterSettings
{
    public IReadOnlyList<Principal>? Controllers { get; init; }
    public BigInteger? ComputeAllocation { get; init; }
    public BigInteger? MemoryAllocation { get; init; }
    public BigInteger? FreezingThreshold { get; init; }
    public BigInteger? ReservedCyclesLimit { get; init; }
    public BigInteger? WasmMemoryLimit { get; init; }
    public BigInteger? WasmMemoryThreshold { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>>? EnvironmentVariables { get; init; }
}

/// <summary><c>canister_status</c>'s answer (the fields a client acts on).</summary>
public sealed record CanisterStatus(
    CanisterRunStatus Status,
    IReadOnlyList<Principal> Controllers,
    byte[]? ModuleHash,
    BigInteger MemorySize,
    BigInteger Cycles,
    BigInteger FreezingThreshold)
{
    /// <summary>"sha256:&lt;hex&gt;" of the installed module, or null for an empty canister.</summary>
    public string? ModuleHashText => ModuleHash is null ? null : "sha256:" + Convert.ToHexStringLower(ModuleHash);
}

/// <summary><c>install_code</c>'s mode.</summary>
public abstract record InstallMode
{
    public static InstallMode Install { get; } = new InstallModeInstall();
    public static InstallMode Reinstall { get; } = new InstallModeReinstall();

    /// <param name="keepWasmMemory">Enhanced orthogonal persistence: true keeps the main memory (<c>keep</c>), false
    /// replaces it (<c>replace</c>), null leaves <c>wasm_memory_persistence</c> unset.</param>
    public static InstallMode Upgrade(bool? keepWasmMemory = null, bool? skipPreUpgrade = null) =>
        new InstallModeUpgrade(keepWasmMemory, skipPreUpgrade);
}

public sealed record InstallModeInstall : InstallMode;
public sealed record InstallModeReinstall : InstallMode;
public sealed record InstallModeUpgrade(bool? KeepWasmMemory, bool? SkipPreUpgrade) : InstallMode;
