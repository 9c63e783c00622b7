using Platform.Engine.Canisters;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Subnets;

/// <summary>A round executes the subnets that have work at the same time, not one after the other.</summary>
// Alone: the other test classes running at the same time can keep the cores busy long enough for the calling thread
// to take both subnets in turn before a round worker gets to run; that says nothing about the engine.
[Collection(nameof(SerialRoundCollection))]
public sealed class SubnetRoundTests
{
    [Fact]
    public void Two_subnets_with_work_execute_their_round_concurrently()
    {
        // Each spin runs until its 400M-instruction limit: long enough that a sequential round cannot overlap.
        using var engine = new EngineHarness(2, new InstructionLimits(Update: 400_000_000));
        var a = engine.Install(Fixtures.Wasm("cdk"), subnet: engine.SubnetA);
        var b = engine.Install(Fixtures.Wasm("cdk"), subnet: engine.SubnetB);
        var first = engine.Instance.Submit(Alice, a, "spin", [], engine.SubnetA);
        var second = engine.Instance.Submit(Alice, b, "spin", [], engine.SubnetB);
        engine.Instance.Tick();

        Assert.Equal("CanisterInstructionLimitExceeded", Reject(engine.Instance.Await(first, out _)!).ErrorCode);
        Assert.Equal("CanisterInstructionLimitExceeded", Reject(engine.Instance.Await(second, out _)!).ErrorCode);
        var (startA, endA) = engine.SubnetA.LastRound;
        var (startB, endB) = engine.SubnetB.LastRound;
        Assert.True(startA < endB && startB < endA,
            $"subnet A ran [{startA}, {endA}], subnet B [{startB}, {endB}]: one after the other");
    }

    [Fact]
    public void A_round_with_more_busy_subnets_than_cores_executes_every_message_once()
    {
        // Three subnets, three counters, five increments each in one round: whoever takes a subnet executes all its
        // messages, in order, and no subnet is executed twice or left out, however many round workers there are.
        using var engine = new EngineHarness(3);
        var counters = engine.Instance.Subnets.Take(3).Select(s => engine.Install(Fixtures.Wasm("counter"), Nat(0), s)).ToList();
        var ids = counters.Select(c => Enumerable.Range(0, 5).Select(_ => engine.Instance.Submit(Alice, c, "inc", NoArgs, null)).ToList()).ToList();
        engine.Instance.Tick();

        // Read before awaiting: an await would run more rounds and hide a subnet the round left out.
        Assert.All(counters, c => Assert.Equal(5, DecodeNat(Reply(engine.Query(Alice, c, "get", NoArgs)))));
        var time = engine.Instance.Time;
        foreach (var messages in ids)
        {
            Assert.Equal([1, 2, 3, 4, 5], messages.Select(id => (int)DecodeNat(Reply(engine.Instance.Await(id, out _)!))));
        }
        Assert.Equal(time, engine.Instance.Time);
    }
}

[CollectionDefinition(nameof(SerialRoundCollection), DisableParallelization = true)]
public sealed class SerialRoundCollection;
