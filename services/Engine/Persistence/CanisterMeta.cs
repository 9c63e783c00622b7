using System.Numerics;
using System.Text.Json;
using Platform.Candid;
using Platform.Engine.Canisters;
using Wasmtime;

namespace Platform.Engine.Persistence;

/// <summary>One exported global in a checkpoint: its kind and its value's bits (floats by their bit pattern).</summary>
internal sealed record SavedGlobal(ValueKind Kind, long Bits);

/// <summary>
/// Everything of a canister a checkpoint keeps besides its memories: settings, cycles, status, version, timer,
/// certified data, the module (by hash), the exported globals and the calls in progress (null when there are none,
/// and in checkpoints written before they were kept). Serialized as JSON; numbers that do not fit a JSON double
/// (cycles, limits) are strings.
/// </summary>
internal sealed record CanisterMeta(
    string Id, string Subnet, string Cycles, CanisterStatus Status, ulong Version, ulong GlobalTimer, byte[] CertifiedData,
    string? ModuleHash, long HeapLength, long StablePages, SavedGlobal[] Globals, SavedSettings Settings, SavedCalls? Calls = null)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static CanisterMeta FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<CanisterMeta>(json, Json) ?? throw new CheckpointCorruptException("a canister record is empty");

    public static CanisterMeta Of(Canister canister) => new(
        canister.Id.ToString(), canister.SubnetId.ToString(), canister.Cycles.ToString(), canister.Status, canister.Version,
        canister.GlobalTimer, canister.CertifiedData,
        canister.Module is { } module ? Convert.ToHexStringLower(module.Hash) : null,
        canister.Sandbox?.HeapBytes ?? 0, canister.Stable.Pages,
        canister.Sandbox?.ReadGlobals().Select(g => new SavedGlobal(g.Kind, Bits(g.Kind, g.Value))).ToArray() ?? [],
        SavedSettings.Of(canister.Settings), SavedCalls.Of(canister));

    /// <summary>Puts the non-memory state back on a canister being loaded.</summary>
    public void ApplyTo(Canister canister)
    {
        canister.Cycles = UInt128.Parse(Cycles);
        canister.Status = Status;
        canister.Version = Version;
        canister.GlobalTimer = GlobalTimer;
        canister.CertifiedData = CertifiedData;
        Settings.ApplyTo(canister.Settings);
        Calls?.ApplyTo(canister);
    }

    public (ValueKind Kind, object? Value)[] GlobalValues() =>
        Globals.Select(g => (g.Kind, Value(g.Kind, g.Bits))).ToArray();

    private static long Bits(ValueKind kind, object? value) => (kind, value) switch
    {
        (ValueKind.Int32, int v) => v,
        (ValueKind.Int64, long v) => v,
        (ValueKind.Float32, float v) => BitConverter.SingleToInt32Bits(v),
        (ValueKind.Float64, double v) => BitConverter.DoubleToInt64Bits(v),
        // Reference and vector globals are not exported by canister toolchains; they restart from their initializer.
        _ => 0,
    };

    private static object? Value(ValueKind kind, long bits) => kind switch
    {
        ValueKind.Int32 => (int)bits,
        ValueKind.Int64 => bits,
        ValueKind.Float32 => BitConverter.Int32BitsToSingle((int)bits),
        ValueKind.Float64 => BitConverter.Int64BitsToDouble(bits),
        _ => null,
    };
}

/// <summary>A canister's settings in a checkpoint (<see cref="CanisterSettings"/> with big numbers as strings).</summary>
internal sealed record SavedSettings(
    string[] Controllers, string ComputeAllocation, string MemoryAllocation, string FreezingThreshold, string ReservedCyclesLimit,
    string LogVisibility, string[] LogViewers, string WasmMemoryLimit, string WasmMemoryThreshold, string[][] EnvironmentVariables)
{
    public static SavedSettings Of(CanisterSettings s) => new(
        s.Controllers.Select(c => c.ToString()).ToArray(), s.ComputeAllocation.ToString(), s.MemoryAllocation.ToString(),
        s.FreezingThreshold.ToString(), s.ReservedCyclesLimit.ToString(), s.LogVisibility,
        s.LogViewers.Select(v => v.ToString()).ToArray(), s.WasmMemoryLimit.ToString(), s.WasmMemoryThreshold.ToString(),
        s.EnvironmentVariables.Select(e => new[] { e.Name, e.Value }).ToArray());

    public void ApplyTo(CanisterSettings s)
    {
        s.Controllers = Controllers.Select(Principal.FromText).ToList();
        s.ComputeAllocation = BigInteger.Parse(ComputeAllocation);
        s.MemoryAllocation = BigInteger.Parse(MemoryAllocation);
        s.FreezingThreshold = BigInteger.Parse(FreezingThreshold);
        s.ReservedCyclesLimit = BigInteger.Parse(ReservedCyclesLimit);
        s.LogVisibility = LogVisibility;
        s.LogViewers = LogViewers.Select(Principal.FromText).ToList();
        s.WasmMemoryLimit = BigInteger.Parse(WasmMemoryLimit);
        s.WasmMemoryThreshold = BigInteger.Parse(WasmMemoryThreshold);
        s.EnvironmentVariables = EnvironmentVariables.Select(e => (e[0], e[1])).ToList();
    }
}

/// <summary>
/// The instance-wide part of a checkpoint: the clock, each subnet's next free canister index, and the ingress
/// messages whose results were not collected (a submission the client was told about survives a restart).
/// </summary>
/// <param name="Nonce">The last nonce of an ingress message id (0 in checkpoints written before it was kept).</param>
/// <param name="Ingress">Ingress messages not collected yet (null when there are none, and in older checkpoints).</param>
internal sealed record InstanceMeta(ulong Time, int ApplicationSubnets, SavedSubnet[] Subnets, long Nonce = 0, SavedIngress[]? Ingress = null)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static InstanceMeta FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<InstanceMeta>(json, Json) ?? throw new CheckpointCorruptException("the instance record is empty");
}

/// <param name="FirstIndex">The start of the subnet's allocation range (subnets made on demand are made again from it).</param>
internal sealed record SavedSubnet(string Id, ulong FirstIndex, ulong NextIndex);

/// <summary>A checkpoint or log that cannot be read back as written: the engine refuses to start rather than lose state.</summary>
internal sealed class CheckpointCorruptException(string message) : Exception(message);
