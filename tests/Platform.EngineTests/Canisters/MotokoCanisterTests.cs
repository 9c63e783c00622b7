using Platform.Candid;
using Platform.Engine.Canisters;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Canisters;

/// <summary>Canisters compiled by the real Motoko compiler, in both persistence modes.</summary>
public sealed class MotokoCanisterTests
{
    [Theory]
    [InlineData("counter")]
    [InlineData("counter_classic")]
    public void Updates_persist_queries_and_traps_leave_no_trace(string fixture)
    {
        using var engine = new EngineHarness();
        var counter = engine.Install(Fixtures.Wasm(fixture), Nat(5));

        Assert.Equal(5, DecodeNat(Reply(engine.Query(Alice, counter, "get", NoArgs))));
        Assert.Equal(6, DecodeNat(Reply(engine.Update(Alice, counter, "inc", NoArgs))));

        // A query's changes are thrown away; Motoko traps on the next update if they are not.
        Assert.Equal(1006, DecodeNat(Reply(engine.Query(Alice, counter, "bumpInQuery", NoArgs))));
        Assert.Equal(6, DecodeNat(Reply(engine.Query(Alice, counter, "get", NoArgs))));

        var trap = Reject(engine.Update(Alice, counter, "incThenTrap", NoArgs));
        Assert.Equal(RejectCode.CanisterError, trap.Code);
        Assert.Equal("CanisterCalledTrap", trap.ErrorCode);
        Assert.Contains("counter trapped on purpose", trap.Message);
        Assert.Equal(6, DecodeNat(Reply(engine.Query(Alice, counter, "get", NoArgs))));
        Assert.Equal(7, DecodeNat(Reply(engine.Update(Alice, counter, "inc", NoArgs))));
    }

    [Fact]
    public void Enhanced_orthogonal_persistence_upgrades_only_with_keep_and_keeps_the_heap()
    {
        using var engine = new EngineHarness();
        var counter = engine.Install(Fixtures.Wasm("counter"), Nat(41));
        Reply(engine.Update(Alice, counter, "inc", NoArgs));

        var refused = Reject(engine.InstallCode(counter, Fixtures.Wasm("counter_v2"), Nat(0), "upgrade"));
        Assert.Contains("wasm_memory_persistence", refused.Message);
        Assert.Equal(1, DecodeNat(Reply(engine.Query(Alice, counter, "version", NoArgs))));

        Reply(engine.InstallCode(counter, Fixtures.Wasm("counter_v2"), Nat(0), "upgrade", keep: true));
        Assert.Equal(2, DecodeNat(Reply(engine.Query(Alice, counter, "version", NoArgs))));
        Assert.Equal(42, DecodeNat(Reply(engine.Query(Alice, counter, "get", NoArgs))));
        Assert.Equal(43, DecodeNat(Reply(engine.Update(Alice, counter, "inc", NoArgs))));

        // Keep is refused for a new module without enhanced orthogonal persistence.
        var classic = Reject(engine.InstallCode(counter, Fixtures.Wasm("counter_classic"), Nat(0), "upgrade", keep: true));
        Assert.Contains("requires that the new canister module supports enhanced orthogonal persistence", classic.Message);
        Assert.Equal(43, DecodeNat(Reply(engine.Query(Alice, counter, "get", NoArgs))));
    }

    [Fact]
    public void Classic_persistence_upgrades_through_stable_memory_and_reinstall_wipes()
    {
        using var engine = new EngineHarness();
        var counter = engine.Install(Fixtures.Wasm("counter_classic"), Nat(10));
        Reply(engine.Update(Alice, counter, "inc", NoArgs));

        Reply(engine.InstallCode(counter, Fixtures.Wasm("counter_classic_v2"), Nat(0), "upgrade"));
        Assert.Equal(2, DecodeNat(Reply(engine.Query(Alice, counter, "version", NoArgs))));
        Assert.Equal(11, DecodeNat(Reply(engine.Query(Alice, counter, "get", NoArgs))));
        Assert.True(engine.Instance.FindCanister(counter)!.Stable.Size > 0);

        Reply(engine.InstallCode(counter, Fixtures.Wasm("counter_classic"), Nat(3), "reinstall"));
        Assert.Equal(3, DecodeNat(Reply(engine.Query(Alice, counter, "get", NoArgs))));
        Assert.Equal(1, DecodeNat(Reply(engine.Query(Alice, counter, "version", NoArgs))));
    }

    [Fact]
    public void A_canister_calls_one_on_another_subnet()
    {
        using var engine = new EngineHarness();
        var counter = engine.Install(Fixtures.Wasm("counter"), Nat(100), engine.SubnetA);
        var caller = engine.Install(Fixtures.Wasm("caller"), NoArgs, engine.SubnetB);
        Assert.NotEqual(engine.Instance.SubnetOf(counter), engine.Instance.SubnetOf(caller));

        var arg = CandidBinary.Encode(CandidType.Principal, CandidValue.Principal(counter));
        Assert.Equal(101, DecodeNat(Reply(engine.Update(Alice, caller, "incOther", arg))));
        Assert.Equal(101, DecodeNat(Reply(engine.Query(Alice, counter, "get", NoArgs))));

        // A stopped callee rejects with CANISTER_ERROR, a missing one with DESTINATION_INVALID; Motoko reports both.
        Reply(engine.CanisterIdCall("stop_canister", counter));
        var stopped = CandidBinary.Decode(Reply(engine.Update(Alice, caller, "tryIncOther", arg)), CandidType.Text).AsText();
        Assert.Matches("#canister_error: Canister .* is stopped", stopped);
        var missing = CandidBinary.Encode(CandidType.Principal, CandidValue.Principal(Principal.FromCanisterIndex(7)));
        var notFound = CandidBinary.Decode(Reply(engine.Update(Alice, caller, "tryIncOther", missing)), CandidType.Text).AsText();
        Assert.StartsWith("#destination_invalid", notFound);
    }

    [Fact]
    public void A_message_that_runs_out_of_instructions_traps_and_changes_nothing()
    {
        using var engine = new EngineHarness(limits: new InstructionLimits(Update: 20_000_000));
        var spinner = engine.Install(Fixtures.Wasm("spinner"), NoArgs);

        Assert.Equal(45, DecodeNat(Reply(engine.Update(Alice, spinner, "spin", Nat(10)))));
        var reject = Reject(engine.Update(Alice, spinner, "spin", Nat(100_000_000)));
        Assert.Equal("CanisterInstructionLimitExceeded", reject.ErrorCode);
        Assert.Equal(RejectCode.CanisterError, reject.Code);
        Assert.Contains("exceeded the instruction limit for single message execution", reject.Message);
        Assert.Equal(45, DecodeNat(Reply(engine.Query(Alice, spinner, "getTotal", NoArgs))));
        Assert.Equal(45 + 45, DecodeNat(Reply(engine.Update(Alice, spinner, "spin", Nat(10)))));
    }
}
