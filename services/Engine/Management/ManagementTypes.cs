using System.Numerics;
using Platform.Candid;
using Platform.Engine.Canisters;
using static Platform.Candid.CandidType;

namespace Platform.Engine.Management;

/// <summary>The Candid types of the management canister's interface that the engine implements.</summary>
internal static class ManagementTypes
{
    private static readonly CandidType Visibility =
        Variant(("controllers", Null), ("public", Null), ("allowed_viewers", Vec(CandidType.Principal)));

    private static readonly CandidType EnvironmentVariable = Record(("name", Text), ("value", Text));

    public static readonly CandidType Settings = Record(
        ("controllers", Opt(Vec(CandidType.Principal))),
        ("compute_allocation", Opt(Nat)),
        ("memory_allocation", Opt(Nat)),
        ("freezing_threshold", Opt(Nat)),
        ("reserved_cycles_limit", Opt(Nat)),
        ("log_visibility", Opt(Visibility)),
        ("wasm_memory_limit", Opt(Nat)),
        ("wasm_memory_threshold", Opt(Nat)),
        ("environment_variables", Opt(Vec(EnvironmentVariable))));

    public static readonly CandidType CanisterIdRecord = Record(("canister_id", CandidType.Principal));

    public static readonly CandidType ProvisionalCreateArgs = Record(
        ("amount", Opt(Nat)), ("settings", Opt(Settings)), ("specified_id", Opt(CandidType.Principal)));

    public static readonly CandidType CreateCanisterArgs = Record(("settings", Opt(Settings)), ("sender_canister_version", Opt(Nat64)));

    private static readonly CandidType Mode = Variant(
        ("install", Null),
        ("reinstall", Null),
        ("upgrade", Opt(Record(
            ("skip_pre_upgrade", Opt(Bool)),
            ("wasm_memory_persistence", Opt(Variant(("keep", Null), ("replace", Null))))))));

    public static readonly CandidType InstallCodeArgs = Record(
        ("mode", Mode), ("canister_id", CandidType.Principal), ("wasm_module", Blob), ("arg", Blob), ("sender_canister_version", Opt(Nat64)));

    public static readonly CandidType ChunkHash = Record(("hash", Blob));

    public static readonly CandidType InstallChunkedCodeArgs = Record(
        ("mode", Mode), ("target_canister", CandidType.Principal), ("store_canister", Opt(CandidType.Principal)), ("chunk_hashes_list", Vec(ChunkHash)),
        ("wasm_module_hash", Blob), ("arg", Blob), ("sender_canister_version", Opt(Nat64)));

    public static readonly CandidType UploadChunkArgs = Record(("canister_id", CandidType.Principal), ("chunk", Blob));

    public static readonly CandidType UpdateSettingsArgs = Record(
        ("canister_id", CandidType.Principal), ("settings", Settings), ("sender_canister_version", Opt(Nat64)));

    public static readonly CandidType TopUpArgs = Record(("canister_id", CandidType.Principal), ("amount", Nat));

    private static readonly CandidType DefiniteSettings = Record(
        ("controllers", Vec(CandidType.Principal)),
        ("compute_allocation", Nat),
        ("memory_allocation", Nat),
        ("freezing_threshold", Nat),
        ("reserved_cycles_limit", Nat),
        ("log_visibility", Visibility),
        ("wasm_memory_limit", Nat),
        ("wasm_memory_threshold", Nat),
        ("environment_variables", Vec(EnvironmentVariable)));

    private static readonly CandidType QueryStats = Record(
        ("num_calls_total", Nat), ("num_instructions_total", Nat), ("request_payload_bytes_total", Nat), ("response_payload_bytes_total", Nat));

    public static readonly CandidType CanisterStatusResult = Record(
        ("status", Variant(("running", Null), ("stopping", Null), ("stopped", Null))),
        ("settings", DefiniteSettings),
        ("module_hash", Opt(Blob)),
        ("memory_size", Nat),
        ("cycles", Nat),
        ("reserved_cycles", Nat),
        ("idle_cycles_burned_per_day", Nat),
        ("query_stats", QueryStats));

    public static CandidValue Status(Canister canister)
    {
        var s = canister.Settings;
        var visibility = s.LogVisibility switch
        {
            "public" => CandidValue.Variant("public", CandidValue.Null),
            "allowed_viewers" => CandidValue.Variant("allowed_viewers", CandidValue.Vec(s.LogViewers.Select(v => (CandidValue)CandidValue.Principal(v)))),
            _ => CandidValue.Variant("controllers", CandidValue.Null),
        };
        var status = canister.Status switch
        {
            CanisterStatus.Running => "running",
            CanisterStatus.Stopping => "stopping",
            _ => "stopped",
        };
        var zero = CandidValue.Nat(BigInteger.Zero);
        return CandidValue.Record(
            ("status", CandidValue.Variant(status, CandidValue.Null)),
            ("settings", CandidValue.Record(
                ("controllers", CandidValue.Vec(s.Controllers.Select(c => (CandidValue)CandidValue.Principal(c)))),
                ("compute_allocation", CandidValue.Nat(s.ComputeAllocation)),
                ("memory_allocation", CandidValue.Nat(s.MemoryAllocation)),
                ("freezing_threshold", CandidValue.Nat(s.FreezingThreshold)),
                ("reserved_cycles_limit", CandidValue.Nat(s.ReservedCyclesLimit)),
                ("log_visibility", visibility),
                ("wasm_memory_limit", CandidValue.Nat(s.WasmMemoryLimit)),
                ("wasm_memory_threshold", CandidValue.Nat(s.WasmMemoryThreshold)),
                ("environment_variables", CandidValue.Vec(s.EnvironmentVariables.Select(v =>
                    (CandidValue)CandidValue.Record(("name", CandidValue.Text(v.Name)), ("value", CandidValue.Text(v.Value)))))))),
            ("module_hash", canister.Module is { } module ? CandidValue.Some(CandidValue.Blob(module.Hash)) : CandidValue.None),
            ("memory_size", CandidValue.Nat(canister.MemorySize)),
            ("cycles", CandidValue.Nat((BigInteger)canister.Cycles)),
            ("reserved_cycles", zero),
            ("idle_cycles_burned_per_day", zero),
            ("query_stats", CandidValue.Record(
                ("num_calls_total", zero), ("num_instructions_total", zero), ("request_payload_bytes_total", zero), ("response_payload_bytes_total", zero))));
    }
}
