using Microsoft.Extensions.Logging.Abstractions;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Persistence;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Persistence;

/// <summary>
/// The persistent instance's files, driven in-process: state back after a reopen, only dirty pages in a commit,
/// snapshots, and damaged files (a torn log tail is cut off, a damaged snapshot refuses to load).
/// </summary>
public sealed class InstanceStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "engine-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private sealed class Opened(InstanceRegistry registry, EngineInstance instance) : IDisposable
    {
        public EngineInstance Instance { get; } = instance;

        public CallResult Update(Principal canister, string method, byte[] payload, Engine.Subnets.Subnet? subnet = null)
        {
            var id = Instance.Submit(Alice, canister, method, payload, subnet ?? Instance.SubnetOf(canister));
            var result = Instance.Await(id, out _) ?? throw new InvalidOperationException($"{method} did not complete");
            Instance.Store!.Commit();
            return result;
        }

        public CallResult Query(Principal canister, string method) =>
            Instance.Executor.ExecuteQuery(Instance.FindCanister(canister)!, Alice, method, NoArgs, Instance.Time);

        public Principal Install(byte[] wasm, byte[] arg, int subnet = 0)
        {
            var id = CanisterIdOf(Reply(Update(Principal.ManagementCanister, "provisional_create_canister_with_cycles",
                CreateArgs(), Instance.Subnets[subnet])));
            Reply(Update(Principal.ManagementCanister, "install_code", InstallArgs(id, wasm, arg), Instance.Subnets[subnet]));
            return id;
        }

        public void Dispose() => registry.Delete(Instance.Id);
    }

    private Opened Open(int subnets = 2, long compactionBytes = 64L * 1024 * 1024)
    {
        var registry = new InstanceRegistry(EngineHarness.Runtime, new InstructionLimits(), NullLoggerFactory.Instance);
        var instance = InstanceStore.Open(_directory, registry, EngineHarness.Runtime, subnets, compactionBytes, NullLogger.Instance);
        return new Opened(registry, instance);
    }

    private string LogFile => Directory.EnumerateFiles(_directory, "log.*").Single();

    [Fact]
    public async Task Records_appended_before_a_flush_share_it_and_none_is_durable_before_its_flush()
    {
        Principal counter;
        using (var first = Open())
        {
            counter = first.Install(Fixtures.Wasm("counter"), Nat(0));
            var store = first.Instance.Store!;
            var flushes = store.Flushes;
            var sequences = new List<long>();
            for (var i = 0; i < 3; i++)
            {
                var id = first.Instance.Submit(Alice, counter, "inc", NoArgs, null);
                Reply(first.Instance.Await(id, out _)!);
                sequences.Add(store.Append());
            }
            Assert.Equal(sequences.Order(), sequences);
            Assert.Equal(flushes, store.Flushes); // appended, not flushed: nobody waited yet
            await store.WhenDurableAsync(sequences[^1]);
            Assert.Equal(flushes + 1, store.Flushes);
            // The earlier records were covered by that one flush.
            await store.WhenDurableAsync(sequences[0]);
            await store.WhenDurableAsync(sequences[1]);
            Assert.Equal(flushes + 1, store.Flushes);
            // Nothing appended since: a read of the state waits for nothing.
            Assert.Equal(sequences[^1], store.Appended);
        }
        using var second = Open();
        Assert.Equal(3, DecodeNat(Reply(second.Query(counter, "get"))));
    }

    [Fact]
    public void A_call_between_canisters_lost_in_a_restart_is_rejected_to_its_caller_in_the_next_round()
    {
        Principal caller, counter;
        using (var first = Open())
        {
            caller = first.Install(Fixtures.Wasm("caller"), NoArgs);
            counter = first.Install(Fixtures.Wasm("counter"), Nat(5), subnet: 1);
            first.Instance.Submit(Alice, caller, "tryIncOther", CandidBinary.Encode(CandidType.Principal, CandidValue.Principal(counter)), null);
            // One round: the caller ran and its request waits in the counter's subnet queue, which is not kept.
            first.Instance.Tick();
            Assert.Single(first.Instance.FindCanister(caller)!.Callbacks);
            first.Instance.Store!.Commit();
        }

        using var second = Open();
        var restored = second.Instance.FindCanister(caller)!;
        Assert.Single(restored.Callbacks);
        Assert.Single(restored.CallContexts);
        second.Instance.Tick();
        // The caller's callback ran with the reject and closed its call context; the request never reached the counter.
        Assert.Empty(restored.Callbacks);
        Assert.Empty(restored.CallContexts);
        Assert.Equal(5, DecodeNat(Reply(second.Query(counter, "get"))));
        // New calls get fresh ids and complete as usual.
        var answer = CandidBinary.Decode(Reply(second.Update(caller, "tryIncOther", CandidBinary.Encode(CandidType.Principal, CandidValue.Principal(counter)))), CandidType.Text).AsText();
        Assert.Equal("6", answer);
    }

    [Fact]
    public void Canisters_memories_cycles_and_time_come_back_after_a_reopen()
    {
        Principal counter, other;
        ulong time;
        byte[] stable;
        using (var first = Open())
        {
            counter = first.Install(Fixtures.Wasm("counter"), Nat(5));
            other = first.Install(Fixtures.Wasm("counter_classic"), Nat(100), subnet: 1);
            for (var i = 0; i < 20; i++) Reply(first.Update(counter, "inc", NoArgs));
            Reply(first.Update(other, "inc", NoArgs));
            Reply(first.Update(counter, "writeStable", CandidBinary.Encode(CandidType.Blob, CandidValue.Blob("kept across restarts"u8.ToArray()))));
            Reject(first.Update(counter, "incThenTrap", NoArgs));
            first.Instance.FindCanister(counter)!.Cycles += 12345;
            first.Instance.Store!.Commit();
            time = first.Instance.Time;
            stable = first.Instance.FindCanister(counter)!.Stable.ToArray();
        }

        using var second = Open(subnets: 5);
        Assert.Equal(2, second.Instance.Subnets.Count); // the saved layout wins over the configured one
        Assert.Equal(25, DecodeNat(Reply(second.Query(counter, "get"))));
        Assert.Equal(101, DecodeNat(Reply(second.Query(other, "get"))));
        Assert.Equal(time, second.Instance.Time);
        Assert.Equal(stable, second.Instance.FindCanister(counter)!.Stable.ToArray());
        Assert.Equal(second.Instance.Subnets[1].Id, second.Instance.SubnetOf(other)!.Id);
        Assert.True(second.Instance.FindCanister(counter)!.Cycles > 12345);
        // It keeps working where it stopped, and a new canister does not reuse an id.
        Assert.Equal(26, DecodeNat(Reply(second.Update(counter, "inc", NoArgs))));
        var third = second.Install(Fixtures.Wasm("counter"), Nat(0));
        Assert.NotEqual(counter, third);
    }

    [Fact]
    public void A_commit_writes_the_pages_an_update_dirtied_not_the_heap()
    {
        using var opened = Open();
        var counter = opened.Install(Fixtures.Wasm("counter"), Nat(0));
        var heap = opened.Instance.FindCanister(counter)!.Sandbox!.HeapBytes;
        var before = new FileInfo(LogFile).Length;
        Reply(opened.Update(counter, "inc", NoArgs));
        var written = new FileInfo(LogFile).Length - before;
        Assert.True(written < heap / 8, $"one increment wrote {written} bytes for a heap of {heap}");
        Assert.True(written > 0);

        // A query changes nothing on disk.
        before = new FileInfo(LogFile).Length;
        Reply(opened.Query(counter, "bumpInQuery"));
        opened.Instance.Store!.Commit();
        Assert.Equal(before, new FileInfo(LogFile).Length);
    }

    [Fact]
    public void A_torn_log_tail_is_cut_off_and_what_came_before_is_kept()
    {
        Principal counter;
        using (var first = Open())
        {
            counter = first.Install(Fixtures.Wasm("counter"), Nat(0));
            for (var i = 0; i < 10; i++) Reply(first.Update(counter, "inc", NoArgs));
        }
        // A crash in the middle of the 11th commit: half a record at the end.
        var full = new FileInfo(LogFile).Length;
        using (var first = Open()) Reply(first.Update(counter, "inc", NoArgs));
        var grown = new FileInfo(LogFile).Length;
        using (var log = File.OpenWrite(LogFile)) log.SetLength(full + (grown - full) / 2);

        using (var second = Open())
        {
            Assert.Equal(10, DecodeNat(Reply(second.Query(counter, "get"))));
            Assert.Equal(full, new FileInfo(LogFile).Length);
            // The next commit follows the last good record and is read back.
            Reply(second.Update(counter, "inc", NoArgs));
        }
        using var third = Open();
        Assert.Equal(11, DecodeNat(Reply(third.Query(counter, "get"))));
    }

    [Fact]
    public void An_altered_log_record_is_not_applied()
    {
        Principal counter;
        long before;
        using (var first = Open())
        {
            counter = first.Install(Fixtures.Wasm("counter"), Nat(0));
            Reply(first.Update(counter, "inc", NoArgs));
            before = new FileInfo(LogFile).Length;
            Reply(first.Update(counter, "inc", NoArgs));
        }
        using (var log = new FileStream(LogFile, FileMode.Open, FileAccess.ReadWrite))
        {
            log.Position = before + 60;
            var b = log.ReadByte();
            log.Position = before + 60;
            log.WriteByte((byte)(b ^ 0xFF));
        }
        using var second = Open();
        Assert.Equal(1, DecodeNat(Reply(second.Query(counter, "get"))));
    }

    [Fact]
    public void The_log_is_folded_into_a_snapshot_and_the_state_survives_it()
    {
        Principal counter;
        using (var first = Open(compactionBytes: 64 * 1024))
        {
            counter = first.Install(Fixtures.Wasm("counter"), Nat(0));
            for (var i = 0; i < 200; i++) Reply(first.Update(counter, "inc", NoArgs));
            Assert.NotEmpty(Directory.EnumerateFiles(_directory, "snapshot.*"));
        }
        Assert.Single(Directory.EnumerateFiles(_directory, "snapshot.*"));
        Assert.Single(Directory.EnumerateFiles(_directory, "log.*"));
        // A snapshot being written when the process died is ignored.
        File.WriteAllText(Path.Combine(_directory, "snapshot.999.tmp"), "half");
        using var second = Open(compactionBytes: 64 * 1024);
        Assert.Equal(200, DecodeNat(Reply(second.Query(counter, "get"))));
        Assert.False(File.Exists(Path.Combine(_directory, "snapshot.999.tmp")));
    }

    [Fact]
    public void A_damaged_snapshot_or_a_missing_module_refuses_to_load()
    {
        using (var first = Open(compactionBytes: 16 * 1024))
        {
            var counter = first.Install(Fixtures.Wasm("counter"), Nat(0));
            for (var i = 0; i < 50; i++) Reply(first.Update(counter, "inc", NoArgs));
        }
        var snapshot = Directory.EnumerateFiles(_directory, "snapshot.*").Single();
        var bytes = File.ReadAllBytes(snapshot);
        bytes[^10] ^= 0x55;
        File.WriteAllBytes(snapshot, bytes);
        Assert.Throws<CheckpointCorruptException>(() => Open());

        bytes[^10] ^= 0x55;
        File.WriteAllBytes(snapshot, bytes);
        foreach (var module in Directory.EnumerateFiles(Path.Combine(_directory, "modules"))) File.Delete(module);
        var e = Assert.Throws<CheckpointCorruptException>(() => Open());
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Uninstall_and_delete_are_kept_too()
    {
        Principal kept, deleted;
        using (var first = Open())
        {
            kept = first.Install(Fixtures.Wasm("counter"), Nat(0));
            deleted = first.Install(Fixtures.Wasm("counter"), Nat(0));
            Reply(first.Update(Principal.ManagementCanister, "uninstall_code", CanisterIdArgs(kept)));
            Reply(first.Update(Principal.ManagementCanister, "stop_canister", CanisterIdArgs(deleted)));
            Reply(first.Update(Principal.ManagementCanister, "delete_canister", CanisterIdArgs(deleted)));
        }
        using var second = Open();
        Assert.Null(second.Instance.FindCanister(kept)!.Sandbox);
        Assert.Null(second.Instance.FindCanister(deleted));
    }
}
