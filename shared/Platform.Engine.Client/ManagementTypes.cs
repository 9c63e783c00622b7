using System.Numerics;
using Platform.Candid;

namespace Platform.Engine.Client;

/// <summary>The management canister's types the client sends and reads, from the interface's Candid text.</summary>
internal static class ManagementTypes
{
    // As pic-js 0.23 encodes them; a server reads the fields it knows (Candid subtyping drops the others).
    private const string Interface = """
        type visibility = variant { controllers; public; allowed_viewers : vec principal };
        type settings = record {
          controllers : opt vec principal;
          compute_allocation : opt nat;
          memory_allocation : opt nat;
          freezing_threshold : opt nat;
          reserved_cycles_limit : opt nat;
          log_visibility : opt visibility;
          snapshot_visibility : opt visibility;
          log_memory_limit : opt nat;
          wasm_memory_limit : opt nat;
          wasm_memory_threshold : opt nat;
          environment_variables : opt vec record { name : text; value : text };
        };
        type mode = variant {
          install;
          reinstall;
          upgrade : opt record { skip_pre_upgrade : opt bool; wasm_memory_persistence : opt variant { keep; replace } };
        };
        type canister_id_record = record { canister_id : principal };
        type provisional_create_args = record { settings : opt settings; amount : opt nat; specified_id : opt principal };
        type install_code_args = record { arg : blob; wasm_module : blob; mode : mode; canister_id : principal };
        type install_chunked_code_args = record {
          mode : mode;
          target_canister : principal;
          store_canister : opt principal;
          chunk_hashes_list : vec record { hash : blob };
          wasm_module_hash : blob;
          arg : blob;
          sender_canister_version : opt nat64;
        };
        type upload_chunk_args = record { canister_id : principal; chunk : blob };
        type chunk_hash = record { hash : blob };
        type update_settings_args = record { canister_id : principal; settings : settings };
        type canister_status_result = record {
          status : variant { running; stopping; stopped };
          settings : record { controllers : vec principal; freezing_threshold : nat };
          module_hash : opt blob;
          memory_size : nat;
          cycles : nat;
        };
        """;

    private static readonly IReadOnlyDictionary<string, CandidType> Types = CandidText.ParseService(Interface).Types;

    public static readonly CandidType CanisterIdRecord = Types["canister_id_record"];
    public static readonly CandidType ProvisionalCreateArgs = Types["provisional_create_args"];
    public static readonly CandidType InstallCodeArgs = Types["install_code_args"];
    public static readonly CandidType InstallChunkedCodeArgs = Types["install_chunked_code_args"];
    public static readonly CandidType UploadChunkArgs = Types["upload_chunk_args"];
    public static readonly CandidType ChunkHash = Types["chunk_hash"];
    public static readonly CandidType UpdateSettingsArgs = Types["update_settings_args"];
    public static readonly CandidType CanisterStatusResult = Types["canister_status_result"];

    public static CandidValue SettingsValue(CanisterSettings s)
    {
        static CandidValue OptNat(BigInteger? n) => n is { } v ? CandidValue.Some(CandidValue.Nat(v)) : CandidValue.None;
        return CandidValue.Record(
            ("controllers", s.Controllers is { } c ? CandidValue.Some(CandidValue.Vec(c.Select(p => (CandidValue)CandidValue.Principal(p)))) : CandidValue.None),
            ("compute_allocation", OptNat(s.ComputeAllocation)),
            ("memory_allocation", OptNat(s.MemoryAllocation)),
            ("freezing_threshold", OptNat(s.FreezingThreshold)),
            ("reserved_cycles_limit", OptNat(s.ReservedCyclesLimit)),
            ("log_visibility", CandidValue.None),
            ("snapshot_visibility", CandidValue.None),
            ("log_memory_limit", CandidValue.None),
            ("wasm_memory_limit", OptNat(s.WasmMemoryLimit)),
            ("wasm_memory_threshold", OptNat(s.WasmMemoryThreshold)),
            ("environment_variables", s.EnvironmentVariables is { } env
                ? CandidValue.Some(CandidValue.Vec(env.Select(kv => (CandidValue)CandidValue.Record(("name", CandidValue.Text(kv.Key)), ("value", CandidValue.Text(kv.Value))))))
                : CandidValue.None));
    }

    public static CandidValue ModeValue(InstallMode mode) => mode switch
    {
        InstallModeInstall => CandidValue.Variant("install"),
        InstallModeReinstall => CandidValue.Variant("reinstall"),
        InstallModeUpgrade u => CandidValue.Variant("upgrade", u is { KeepWasmMemory: null, SkipPreUpgrade: null }
            ? CandidValue.None
            : CandidValue.Some(CandidValue.Record(
                ("skip_pre_upgrade", u.SkipPreUpgrade is { } skip ? CandidValue.Some(CandidValue.Bool(skip)) : CandidValue.None),
                ("wasm_memory_persistence", u.KeepWasmMemory is { } keep ? CandidValue.Some(CandidValue.Variant(keep ? "keep" : "replace")) : CandidValue.None)))),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    public static CanisterStatus ReadStatus(RecordValue r)
    {
        var status = r["status"].AsVariant();
        var settings = r["settings"].AsRecord();
        return new CanisterStatus(
            status.Is("running") ? CanisterRunStatus.Running : status.Is("stopping") ? CanisterRunStatus.Stopping : CanisterRunStatus.Stopped,
            [.. settings["controllers"].AsVec().Select(p => p.AsPrincipal())],
            r["module_hash"].AsOpt()?.AsBlob(),
            r["memory_size"].AsNat(),
            r["cycles"].AsNat(),
            settings["freezing_threshold"].AsNat());
    }
}
