using System.Numerics;
using Platform.Candid;

namespace Platform.UnitTests.Candid.Binary;

/// <summary>The management canister's records, as the engine decodes what pic-js sends and encodes what it answers.</summary>
public sealed class ManagementCanisterTests
{
    internal const string ManagementTypes = """
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
        type canister_install_mode = variant {
          install;
          reinstall;
          upgrade : opt record {
            skip_pre_upgrade : opt bool;
            wasm_memory_persistence : opt variant { keep; replace };
          };
        };
        type canister_id_record = record { canister_id : principal };
        type definite_settings = record {
          controllers : vec principal;
          compute_allocation : nat;
          memory_allocation : nat;
          freezing_threshold : nat;
          reserved_cycles_limit : nat;
          log_visibility : visibility;
          wasm_memory_limit : nat;
          wasm_memory_threshold : nat;
          environment_variables : vec record { name : text; value : text };
        };
        type canister_status_result = record {
          status : variant { running; stopping; stopped };
          settings : definite_settings;
          module_hash : opt blob;
          memory_size : nat;
          cycles : nat;
          reserved_cycles : nat;
          idle_cycles_burned_per_day : nat;
          query_stats : record {
            num_calls_total : nat;
            num_instructions_total : nat;
            request_payload_bytes_total : nat;
            response_payload_bytes_total : nat;
          };
        };
        service : {
          provisional_create_canister_with_cycles : (record {
            settings : opt settings;
            amount : opt nat;
            specified_id : opt principal;
          }) -> (canister_id_record);
          install_code : (record {
            arg : blob;
            wasm_module : blob;
            mode : canister_install_mode;
            canister_id : principal;
          }) -> ();
          upload_chunk : (record { canister_id : principal; chunk : blob }) -> (record { hash : blob });
          install_chunked_code : (record {
            mode : canister_install_mode;
            target_canister : principal;
            store_canister : opt principal;
            chunk_hashes_list : vec record { hash : blob };
            wasm_module_hash : blob;
            arg : blob;
            sender_canister_version : opt nat64;
          }) -> ();
          start_canister : (canister_id_record) -> ();
          stop_canister : (canister_id_record) -> ();
          canister_status : (canister_id_record) -> (canister_status_result);
        }
        """;

    // Encoded by @dfinity/candid (what pic-js uses): install_code upgrading canister 0 with
    // wasm_memory_persistence = opt variant { keep } and an 8-byte module.
    private const string PicJsInstallCode =
        "4449444c086d7b6b0285a19bb8047fb490a1d90a7f6e016e7e6c02dceaaefa0202c0a09bde05036e046b03c8bb8a707f9ce9c69906059baaebec087f6c04d6fca70200a79fc97e00e3a683c30406b3c4b1f20468010700080061736d010000000101010000010a00000000000000000101";

    // Also @dfinity/candid: provisional_create_canister_with_cycles with amount 10^18 and settings whose fields are
    // all empty, from a settings type without snapshot_visibility, log_memory_limit and environment_variables.
    private const string PicJsCreateCanister =
        "4449444c096e7d6d686e016b03d7e09b90027fa981ceb7067fcaa989aa08016e036c08c0cff27100e8f09b7300d7e09b90020280ad988a0400edd9c8c90704f8e287cc0c00deebb5a90e00a882acc60f006e056e686c03e3f9f5d90806cae5edbc0c07d8a38ca80d0001080100000000000000000001808090bbbad6adf00d";

    private static readonly CandidServiceDescription Management = CandidText.ParseService(ManagementTypes);

    [Fact]
    public void Decodes_pic_js_install_code_with_the_upgrade_options()
    {
        var args = CandidBinary.Decode(Convert.FromHexString(PicJsInstallCode), Management.Method("install_code").Type.Args);
        var request = args[0].AsRecord();
        Assert.Equal(Principal.FromCanisterIndex(0), request["canister_id"].AsPrincipal());
        Assert.Equal([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0], request["wasm_module"].AsBlob());
        Assert.Empty(request["arg"].AsBlob());
        var mode = request["mode"].AsVariant();
        Assert.Equal("upgrade", mode.Name);
        var options = mode.Value.AsOpt()!.AsRecord();
        Assert.Null(options["skip_pre_upgrade"].AsOpt());
        Assert.True(options["wasm_memory_persistence"].AsOpt()!.AsVariant().Is("keep"));
    }

    [Fact]
    public void Re_encoding_what_was_decoded_gives_the_same_values()
    {
        var types = Management.Method("install_code").Type.Args;
        var decoded = CandidBinary.Decode(Convert.FromHexString(PicJsInstallCode), types);
        var again = CandidBinary.Decode(CandidBinary.Encode(decoded), types);
        Assert.Equal(decoded.Values, again.Values);
    }

    [Fact]
    public void Create_canister_settings_missing_newer_fields_decode_with_those_fields_null()
    {
        var args = CandidBinary.Decode(Convert.FromHexString(PicJsCreateCanister),
            Management.Method("provisional_create_canister_with_cycles").Type.Args);
        var request = args[0].AsRecord();
        Assert.Equal(BigInteger.Pow(10, 18), request["amount"].AsOpt()!.AsNat());
        Assert.Null(request["specified_id"].AsOpt());
        var settings = request["settings"].AsOpt()!.AsRecord();
        Assert.Null(settings["environment_variables"].AsOpt());
        Assert.Null(settings["snapshot_visibility"].AsOpt());
        Assert.Null(settings["controllers"].AsOpt());
        Assert.Equal(11, settings.Fields.Count);
    }

    [Fact]
    public void The_canister_id_comes_out_of_any_management_payload_without_decoding_the_rest()
    {
        Assert.True(CandidBinary.TryReadCanisterId(Convert.FromHexString(PicJsInstallCode), out var id));
        Assert.Equal(Principal.FromCanisterIndex(0), id);

        var upload = CandidText.ParseArgs("""(record { canister_id = principal "lxzze-o7777-77777-aaaaa-cai"; chunk = blob "\00\01" })""",
            Management.Method("upload_chunk").Type.Args);
        Assert.True(CandidBinary.TryReadCanisterId(CandidBinary.Encode(upload), out id));
        Assert.Equal("lxzze-o7777-77777-aaaaa-cai", id.ToString());
    }

    [Fact]
    public void Install_chunked_code_is_routed_by_its_target_canister()
    {
        var args = CandidText.ParseArgs("""
            (record {
              mode = variant { install };
              target_canister = principal "rwlgt-iiaaa-aaaaa-aaaaa-cai";
              chunk_hashes_list = vec { record { hash = blob "\01\02" } };
              wasm_module_hash = blob "\03";
              arg = blob "";
            })
            """, Management.Method("install_chunked_code").Type.Args);
        var bytes = CandidBinary.Encode(args);
        Assert.False(CandidBinary.TryReadCanisterId(bytes, out _));
        Assert.True(CandidBinary.TryReadPrincipalField(bytes, "target_canister", out var target));
        Assert.Equal(Principal.FromCanisterIndex(0), target);
        Assert.False(CandidBinary.TryReadPrincipalField(bytes, "store_canister", out _));
    }

    [Fact]
    public void Payloads_without_a_canister_id_have_none()
    {
        Assert.False(CandidBinary.TryReadCanisterId(Convert.FromHexString(PicJsCreateCanister), out _));
        Assert.False(CandidBinary.TryReadCanisterId(CandidBinary.Encode(CandidType.Nat, CandidValue.Nat(1)), out _));
        Assert.False(CandidBinary.TryReadCanisterId(CandidBinary.Encode(
            CandidType.Record(("canister_id", CandidType.Text)), CandidValue.Record(("canister_id", CandidValue.Text("x")))), out _));
        Assert.False(CandidBinary.TryReadCanisterId("DIDL"u8, out _));
        Assert.False(CandidBinary.TryReadCanisterId([], out _));
    }

    [Fact]
    public void A_reader_that_wants_only_the_canister_id_skips_the_other_fields()
    {
        var routing = CandidText.ParseTypes("(record { canister_id : principal })");
        var args = CandidBinary.Decode(Convert.FromHexString(PicJsInstallCode), routing);
        Assert.Single(args[0].AsRecord().Fields);
        Assert.Equal(Principal.FromCanisterIndex(0), args[0].AsRecord()["canister_id"].AsPrincipal());
    }

    [Fact]
    public void Canister_status_result_round_trips_and_an_older_reader_sees_its_subset()
    {
        var resultType = Management.Method("canister_status").Type.Results;
        var result = CandidText.ParseArgs("""
            (record {
              status = variant { running };
              settings = record {
                controllers = vec { principal "2vxsx-fae" };
                compute_allocation = 0; memory_allocation = 0; freezing_threshold = 2_592_000;
                reserved_cycles_limit = 5_000_000_000_000;
                log_visibility = variant { controllers };
                wasm_memory_limit = 3_221_225_472; wasm_memory_threshold = 0;
                environment_variables = vec { record { name = "MODE"; value = "test" } };
              };
              module_hash = opt blob "\ab\cd";
              memory_size = 1_000; cycles = 100_000_000_000_000; reserved_cycles = 0; idle_cycles_burned_per_day = 42;
              query_stats = record { num_calls_total = 0; num_instructions_total = 0; request_payload_bytes_total = 0; response_payload_bytes_total = 0 };
            })
            """, resultType);
        var bytes = CandidBinary.Encode(result);
        Assert.Equal(result.Values, CandidBinary.Decode(bytes, resultType).Values);

        var older = CandidText.ParseTypes("(record { status : variant { running; stopping; stopped }; cycles : int; module_hash : opt blob; idle : opt nat })");
        var seen = CandidBinary.Decode(bytes, older)[0].AsRecord();
        Assert.Equal(new BigInteger(100_000_000_000_000), seen["cycles"].AsInt());
        Assert.IsType<IntValue>(seen["cycles"]);
        Assert.Equal([0xab, 0xcd], seen["module_hash"].AsOpt()!.AsBlob());
        Assert.Null(seen["idle"].AsOpt());
    }
}
