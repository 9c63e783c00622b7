using System.Buffers.Binary;
using System.Text;
using Platform.Candid;
using Platform.Engine.Canisters;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.SystemApi;

/// <summary>The hand-written wasm32 canister (dev/canisters/wat/cdk.wat) exercising the ic-cdk style imports.</summary>
public sealed class CdkCanisterTests
{
    private static byte[] CallArgs(Principal callee, string method, byte flags)
    {
        var name = Encoding.UTF8.GetBytes(method);
        return [(byte)callee.Length, .. callee.Bytes, (byte)name.Length, .. name, flags];
    }

    private static (int Bumps, int HeapByte, int StablePages, uint StableWord, int InitLength, int Cleanups) State(EngineHarness engine, Principal cdk)
    {
        var r = Reply(engine.Query(Alice, cdk, "read_state", []));
        int I(int offset) => BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(offset));
        return (I(0), I(4), I(8), (uint)I(12), I(16), I(20));
    }

    [Fact]
    public void Method_name_init_argument_and_debug_print()
    {
        using var engine = new EngineHarness();
        var cdk = engine.Install(Fixtures.Wasm("cdk"), [1, 2, 3]);
        Assert.Equal("method_name", Encoding.UTF8.GetString(Reply(engine.Update(Alice, cdk, "method_name", []))));
        Assert.Equal(3, State(engine, cdk).InitLength);
        Assert.Equal("hello from cdk", Encoding.UTF8.GetString(Reply(engine.Update(Alice, cdk, "debug", []))));
    }

    [Fact]
    public void A_trap_rolls_back_globals_heap_and_stable_memory()
    {
        using var engine = new EngineHarness();
        var cdk = engine.Install(Fixtures.Wasm("cdk"));
        Reply(engine.Update(Alice, cdk, "bump", []));
        Assert.Equal("abcd", Encoding.UTF8.GetString(Reply(engine.Update(Alice, cdk, "stable_roundtrip", "abcd"u8.ToArray()))));

        var trap = Reject(engine.Update(Alice, cdk, "bump_then_trap", []));
        Assert.Equal("CanisterCalledTrap", trap.ErrorCode);
        Assert.Contains("cdk trapped on purpose", trap.Message);

        var state = State(engine, cdk);
        Assert.Equal(1, state.Bumps);
        Assert.Equal(0, state.HeapByte);
        Assert.Equal(1, state.StablePages);
        Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian("abcd"u8), state.StableWord);
    }

    [Fact]
    public void Info_reports_version_replication_certificate_balance_controller_and_time()
    {
        using var engine = new EngineHarness();
        var cdk = engine.Install(Fixtures.Wasm("cdk"));
        var query = Reply(engine.Query(Alice, cdk, "info", []));
        var update = Reply(engine.Update(Alice, cdk, "info_update", []));

        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(query.AsSpan(8)));   // not replicated
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(update.AsSpan(8)));  // replicated
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(query.AsSpan(12)));  // no certificate
        Assert.Equal(Platform.Engine.Management.ManagementCanister.DefaultProvisionalCycles, BinaryPrimitives.ReadUInt128LittleEndian(query.AsSpan(16)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(query.AsSpan(32)));  // Alice controls it
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(Reply(engine.Query(Mallory, cdk, "info", [])).AsSpan(32)));
        Assert.True(BinaryPrimitives.ReadUInt64LittleEndian(query.AsSpan(36)) >= Platform.Engine.Instances.EngineInstance.GenesisNanos);

        var version = BinaryPrimitives.ReadInt64LittleEndian(update.AsSpan(0));
        Reply(engine.Update(Alice, cdk, "certify", [1, 2, 3]));
        Assert.Equal([1, 2, 3], engine.Instance.FindCanister(cdk)!.CertifiedData);
        Assert.True(BinaryPrimitives.ReadInt64LittleEndian(Reply(engine.Query(Alice, cdk, "info", [])).AsSpan(0)) > version);
        Assert.Empty(Reply(engine.Query(Alice, cdk, "certificate", [])));
    }

    [Fact]
    public void Attached_cycles_are_accepted_in_part_and_the_rest_refunded()
    {
        using var engine = new EngineHarness();
        var caller = engine.Install(Fixtures.Wasm("cdk"), subnet: engine.SubnetA);
        var callee = engine.Install(Fixtures.Wasm("cdk"), subnet: engine.SubnetB);
        var before = (engine.Instance.FindCanister(caller)!.Cycles, engine.Instance.FindCanister(callee)!.Cycles);

        var reply = Reply(engine.Update(Alice, caller, "call", CallArgs(callee, "accept", 2)));
        Assert.Equal((byte)'R', reply[0]);
        Assert.Equal((UInt128)4000, BinaryPrimitives.ReadUInt128LittleEndian(reply.AsSpan(1)));
        Assert.Equal((UInt128)1000, BinaryPrimitives.ReadUInt128LittleEndian(reply.AsSpan(17)));
        Assert.Equal(before.Item1 - 1000, engine.Instance.FindCanister(caller)!.Cycles);
        Assert.Equal(before.Item2 + 1000, engine.Instance.FindCanister(callee)!.Cycles);
    }

    [Fact]
    public void Callbacks_see_the_ic_reject_codes()
    {
        using var engine = new EngineHarness();
        var caller = engine.Install(Fixtures.Wasm("cdk"), subnet: engine.SubnetA);
        var callee = engine.Install(Fixtures.Wasm("cdk"), subnet: engine.SubnetB);

        int Code(byte[] reply) { Assert.Equal((byte)'J', reply[0]); return BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(1)); }
        string Text(byte[] reply) => Encoding.UTF8.GetString(reply.AsSpan(5));

        var missing = Reply(engine.Update(Alice, caller, "call", CallArgs(Principal.FromCanisterIndex(42), "accept", 0)));
        Assert.Equal((int)RejectCode.DestinationInvalid, Code(missing));

        var noMethod = Reply(engine.Update(Alice, caller, "call", CallArgs(callee, "no_such_method", 0)));
        Assert.Equal((int)RejectCode.DestinationInvalid, Code(noMethod));
        Assert.Contains("has no update method 'no_such_method'", Text(noMethod));

        var trapped = Reply(engine.Update(Alice, caller, "call", CallArgs(callee, "bump_then_trap", 0)));
        Assert.Equal((int)RejectCode.CanisterError, Code(trapped));

        var silent = Reply(engine.Update(Alice, caller, "call", CallArgs(callee, "never", 0)));
        Assert.Equal((int)RejectCode.CanisterError, Code(silent));
        Assert.Contains("did not produce a response", Text(silent));

        Reply(engine.CanisterIdCall("stop_canister", callee));
        var stopped = Reply(engine.Update(Alice, caller, "call", CallArgs(callee, "accept", 0)));
        Assert.Equal((int)RejectCode.CanisterError, Code(stopped));
        Assert.Contains("is stopped", Text(stopped));
    }

    [Fact]
    public void A_trap_in_a_reply_callback_runs_cleanup_and_rejects_the_caller()
    {
        using var engine = new EngineHarness();
        var caller = engine.Install(Fixtures.Wasm("cdk"));
        var callee = engine.Install(Fixtures.Wasm("cdk"));

        var reject = Reject(engine.Update(Alice, caller, "call", CallArgs(callee, "bump", 4)));
        Assert.Equal("CanisterCalledTrap", reject.ErrorCode);
        Assert.Equal(1, State(engine, caller).Cleanups);
        Assert.Equal(1, State(engine, callee).Bumps);
    }

    [Fact]
    public void A_best_effort_call_whose_deadline_passes_gets_sys_unknown()
    {
        using var engine = new EngineHarness();
        var caller = engine.Install(Fixtures.Wasm("cdk"), subnet: engine.SubnetA);
        var callee = engine.Install(Fixtures.Wasm("cdk"), subnet: engine.SubnetB);

        var id = engine.Instance.Submit(Alice, caller, "call", CallArgs(callee, "bump", 1), null);
        engine.Instance.Tick(); // the caller runs and sends the request
        Assert.True(engine.Instance.SetTime(engine.Instance.Time + 2_000_000_000, out _));
        var reply = Reply(engine.Instance.Await(id, out _)!);

        Assert.Equal((byte)'J', reply[0]);
        Assert.Equal((int)RejectCode.SysUnknown, BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(1)));
        // The late real response found no callback and was dropped: the caller answered once, and runs on.
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(Reply(engine.Update(Alice, caller, "bump", []))));
    }

    [Fact]
    public void Contract_violations_and_loops_are_rejected_not_crashes()
    {
        using var engine = new EngineHarness(limits: new InstructionLimits(Update: 5_000_000));
        var cdk = engine.Install(Fixtures.Wasm("cdk"));

        Assert.Equal("CanisterContractViolation", Reject(engine.Update(Alice, cdk, "reply_twice", [])).ErrorCode);
        Assert.Equal("CanisterContractViolation", Reject(engine.Update(Alice, cdk, "accept_outside_inspect", [])).ErrorCode);
        Assert.Equal("CanisterInstructionLimitExceeded", Reject(engine.Update(Alice, cdk, "spin", [])).ErrorCode);
        Assert.Equal("CanisterMethodNotFound", Reject(engine.Update(Alice, cdk, "missing", [])).ErrorCode);
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(Reply(engine.Update(Alice, cdk, "bump", []))));
    }

    [Fact]
    public void Memory_growth_stops_at_the_wasm_memory_limit()
    {
        using var engine = new EngineHarness();
        var cdk = engine.Install(Fixtures.Wasm("cdk"));
        var settings = CandidValue.Record(
            ("canister_id", CandidValue.Principal(cdk)),
            ("settings", CandidValue.Record(("wasm_memory_limit", CandidValue.Some(CandidValue.Nat(4 * 65536))))),
            ("sender_canister_version", CandidValue.None));
        Reply(engine.Management("update_settings", Engine.Management.ManagementTypes.UpdateSettingsArgs, settings));

        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(Reply(engine.Update(Alice, cdk, "grow", BitConverter.GetBytes(2)))));
        Assert.Equal(-1, BinaryPrimitives.ReadInt32LittleEndian(Reply(engine.Update(Alice, cdk, "grow", BitConverter.GetBytes(8)))));
    }
}

public sealed class CdkTimerAndManagementTests
{
    [Fact]
    public void The_global_timer_fires_once_its_deadline_has_passed()
    {
        using var engine = new EngineHarness();
        var cdk = engine.Install(Fixtures.Wasm("cdk"));
        Reply(engine.Update(Alice, cdk, "set_timer", BitConverter.GetBytes(10_000_000_000L)));

        engine.Instance.Tick();
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(Reply(engine.Query(Alice, cdk, "timer_runs", []))));
        Assert.True(engine.Instance.SetTime(engine.Instance.Time + 11_000_000_000, out _));
        engine.Instance.Tick();
        engine.Instance.Tick();
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(Reply(engine.Query(Alice, cdk, "timer_runs", []))));
        Assert.Equal(0UL, engine.Instance.FindCanister(cdk)!.GlobalTimer);
    }

    [Fact]
    public void A_canister_calls_the_management_canister()
    {
        using var engine = new EngineHarness();
        var cdk = engine.Install(Fixtures.Wasm("cdk"));
        byte[] args = [0, 8, .. "raw_rand"u8, 0, .. CandidBinary.Encode([], [])];
        var reply = Reply(engine.Update(Alice, cdk, "call", args));
        Assert.Equal((byte)'R', reply[0]);
        var random = CandidBinary.Decode(reply.AsSpan(17), CandidType.Blob).AsBlob();
        Assert.Equal(32, random.Length);
    }
}
