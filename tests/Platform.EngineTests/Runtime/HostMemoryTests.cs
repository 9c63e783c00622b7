using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Runtime;

/// <summary>Copy-on-write heaps: on Linux every test here runs on them; rolled-back executions leave the heap byte for byte.</summary>
public sealed class HostMemoryTests
{
    [Fact]
    public void Heaps_are_copy_on_write_host_memories_on_linux()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(EngineHarness.Runtime.CopyOnWriteHeaps);
        using var engine = new EngineHarness();
        var counter = engine.Install(Fixtures.Wasm("counter"), Nat(0));
        Assert.True(engine.Instance.FindCanister(counter)!.Sandbox!.CopyOnWrite);
    }

    [Fact]
    public void Queries_and_traps_leave_the_committed_heap_byte_for_byte()
    {
        using var engine = new EngineHarness();
        var counter = engine.Install(Fixtures.Wasm("counter"), Nat(0));
        Reply(engine.Update(Alice, counter, "inc", NoArgs));
        var sandbox = engine.Instance.FindCanister(counter)!.Sandbox!;
        var before = sandbox.Memory!.GetSpan(0, (int)sandbox.HeapBytes).ToArray();

        // More pages than the kept working set over many rollbacks, queries and traps alike.
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(1001, DecodeNat(Reply(engine.Query(Alice, counter, "bumpInQuery", NoArgs))));
            if (i % 20 == 0) Reject(engine.Update(Alice, counter, "incThenTrap", NoArgs));
        }
        var after = sandbox.Memory!.GetSpan(0, (int)sandbox.HeapBytes).ToArray();
        Assert.Equal(before.Length, after.Length);
        Assert.True(before.AsSpan().SequenceEqual(after), "a rolled-back execution changed the heap");
        Assert.Equal(2, DecodeNat(Reply(engine.Update(Alice, counter, "inc", NoArgs))));
    }
}
