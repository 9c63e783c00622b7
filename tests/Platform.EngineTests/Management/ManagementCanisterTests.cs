using System.Security.Cryptography;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Management;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Management;

public sealed class ManagementCanisterTests
{
    [Fact]
    public void Canister_ids_come_from_the_subnet_ranges_in_order()
    {
        using var engine = new EngineHarness();
        Assert.Equal("lxzze-o7777-77777-aaaaa-cai", engine.Create(subnet: engine.SubnetA).ToString());
        Assert.Equal("lqy7q-dh777-77777-aaaaq-cai", engine.Create(subnet: engine.SubnetA).ToString());
        Assert.Equal("7tjcv-pp777-77776-qaaaa-cai", engine.Create(subnet: engine.SubnetB).ToString());
    }

    [Fact]
    public void Only_controllers_manage_a_canister()
    {
        using var engine = new EngineHarness();
        var canister = engine.Install(Fixtures.Wasm("cdk"));

        var reject = Reject(engine.InstallCode(canister, Fixtures.Wasm("cdk"), [], "reinstall", sender: Mallory));
        Assert.Equal(RejectCode.CanisterError, reject.Code);
        Assert.Equal("CanisterInvalidController", reject.ErrorCode);
        Assert.Equal($"Only controllers of canister {canister} can call ic00 method install_code", reject.Message);
        Assert.Equal("CanisterInvalidController", Reject(engine.CanisterIdCall("stop_canister", canister, Mallory)).ErrorCode);
        Assert.Equal("CanisterInvalidController", Reject(engine.CanisterIdCall("canister_status", canister, Mallory)).ErrorCode);

        var settings = CandidValue.Record(
            ("canister_id", CandidValue.Principal(canister)),
            ("settings", CandidValue.Record(("controllers", CandidValue.Some(CandidValue.Vec(CandidValue.Principal(Alice), CandidValue.Principal(Mallory)))))),
            ("sender_canister_version", CandidValue.None));
        Reply(engine.Management("update_settings", ManagementTypes.UpdateSettingsArgs, settings));
        Reply(engine.CanisterIdCall("canister_status", canister, Mallory));
    }

    [Fact]
    public void Malformed_payloads_and_missing_canisters_are_rejected()
    {
        using var engine = new EngineHarness();
        var garbage = Reject(engine.Update(Alice, Principal.ManagementCanister, "install_code", [1, 2, 3]));
        Assert.Equal("InvalidManagementPayload", garbage.ErrorCode);
        var wrongType = Reject(engine.Update(Alice, Principal.ManagementCanister, "install_code", Nat(7)));
        Assert.Equal("InvalidManagementPayload", wrongType.ErrorCode);

        var missing = Reject(engine.CanisterIdCall("canister_status", Principal.FromCanisterIndex(5)));
        Assert.Equal(RejectCode.DestinationInvalid, missing.Code);
        Assert.Equal("CanisterNotFound", missing.ErrorCode);

        Assert.Equal("CanisterMethodNotFound", Reject(engine.Update(Alice, Principal.ManagementCanister, "no_such_method", NoArgs)).ErrorCode);
    }

    [Fact]
    public void Install_modes_status_and_deletion_follow_the_ic()
    {
        using var engine = new EngineHarness();
        var canister = engine.Install(Fixtures.Wasm("cdk"));

        Assert.Equal("CanisterNonEmpty", Reject(engine.InstallCode(canister, Fixtures.Wasm("cdk"), [])).ErrorCode);
        Assert.Equal("CanisterInvalidWasm", Reject(engine.InstallCode(canister, [0, 1, 2], [], "reinstall")).ErrorCode);
        Assert.Equal("CanisterInvalidWasm", Reject(engine.InstallCode(canister, Fixtures.Wasm("bad_import"), [], "reinstall")).ErrorCode);

        var status = CandidBinary.Decode(Reply(engine.CanisterIdCall("canister_status", canister)), ManagementTypes.CanisterStatusResult).AsRecord();
        Assert.True(status["status"].AsVariant().Is("running"));
        Assert.Equal(SHA256.HashData(Fixtures.Wasm("cdk")), status["module_hash"].AsOpt()!.AsBlob());

        Assert.Equal("CanisterNotStopped", Reject(engine.CanisterIdCall("delete_canister", canister)).ErrorCode);
        Reply(engine.CanisterIdCall("stop_canister", canister));
        Assert.Equal("CanisterStopped", Reject(engine.Update(Alice, canister, "bump", [])).ErrorCode);
        Reply(engine.CanisterIdCall("uninstall_code", canister));
        var empty = CandidBinary.Decode(Reply(engine.CanisterIdCall("canister_status", canister)), ManagementTypes.CanisterStatusResult).AsRecord();
        Assert.Null(empty["module_hash"].AsOpt());
        Reply(engine.CanisterIdCall("delete_canister", canister));
        Assert.Null(engine.Instance.FindCanister(canister));
    }

    [Fact]
    public void Chunked_install_assembles_the_module_and_checks_its_hash()
    {
        using var engine = new EngineHarness();
        var canister = engine.Create();
        var wasm = Fixtures.Wasm("counter");
        var hashes = new List<CandidValue>();
        Reply(engine.CanisterIdCall("clear_chunk_store", canister));
        foreach (var chunk in wasm.Chunk(100_000))
        {
            var reply = Reply(engine.Management("upload_chunk", ManagementTypes.UploadChunkArgs,
                CandidValue.Record(("canister_id", CandidValue.Principal(canister)), ("chunk", CandidValue.Blob(chunk)))));
            var hash = CandidBinary.Decode(reply, ManagementTypes.ChunkHash).AsRecord()["hash"].AsBlob();
            Assert.Equal(SHA256.HashData(chunk), hash);
            hashes.Add(CandidValue.Record(("hash", CandidValue.Blob(hash))));
        }

        CandidValue Args(byte[] moduleHash) => CandidValue.Record(
            ("mode", CandidValue.Variant("install", CandidValue.Null)), ("target_canister", CandidValue.Principal(canister)),
            ("store_canister", CandidValue.None), ("chunk_hashes_list", CandidValue.Vec(hashes)),
            ("wasm_module_hash", CandidValue.Blob(moduleHash)), ("arg", CandidValue.Blob(Nat(9))), ("sender_canister_version", CandidValue.None));

        Assert.Equal("CanisterContractViolation", Reject(engine.Management("install_chunked_code", ManagementTypes.InstallChunkedCodeArgs, Args(new byte[32]))).ErrorCode);
        Reply(engine.Management("install_chunked_code", ManagementTypes.InstallChunkedCodeArgs, Args(SHA256.HashData(wasm))));
        Assert.Equal(9, DecodeNat(Reply(engine.Query(Alice, canister, "get", NoArgs))));
    }

    [Fact]
    public void An_upgrade_that_traps_leaves_the_canister_as_it_was()
    {
        using var engine = new EngineHarness();
        var canister = engine.Install(Fixtures.Wasm("upgrade_trap"));
        var before = engine.Instance.FindCanister(canister)!.Module!.Hash;
        Assert.Equal("CanisterCalledTrap", Reject(engine.InstallCode(canister, Fixtures.Wasm("upgrade_trap"), [], "upgrade")).ErrorCode);

        var after = engine.Instance.FindCanister(canister)!;
        Assert.Equal(before, after.Module!.Hash);
        // pre_upgrade wrote a page of stable memory before post_upgrade trapped: rolled back too.
        Assert.Equal(0, after.Stable.Size);
        Assert.Equal([7], Reply(engine.Update(Alice, canister, "alive", [])));
    }
}
