using System.Numerics;
using System.Security.Cryptography;
using Platform.Candid;
using Platform.Engine.Client;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.EngineClient;

/// <summary>
/// The C# PocketIC client through a canister's whole life against the engine run as a real process: instance and
/// topology, create on a chosen subnet, install, calls, upgrade keeping state, reinstall wiping it, stable memory,
/// cycles, time, settings, stop/start, delete, and the rejects and server errors along the way.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class EngineClientLifecycleTests(EngineFixture fixture)
{
    private static readonly Principal Controller = Principal.FromBytes([7, 7, 7, 7, 2]);
    private static readonly Principal Stranger = Principal.FromBytes([6, 6, 6, 6, 2]);

    public static byte[] Module(string name) => File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "dev", "canisters", "out", name + ".wasm"));

    private static byte[] Nat(BigInteger n) => CandidBinary.Encode(CandidType.Nat, CandidValue.Nat(n));
    private static readonly byte[] NoArgs = CandidBinary.Encode(CandidArgs.Empty);
    private static BigInteger ReadNat(byte[] reply) => CandidBinary.Decode(reply, CandidType.Nat).AsNat();

    private static async Task<BigInteger> CallNat(PocketIcInstance instance, Principal canister, string method, bool query = false)
    {
        var call = new CanisterCall(Controller, canister, method, NoArgs);
        var outcome = query ? await instance.QueryCallAsync(call) : await instance.UpdateCallAsync(call);
        return ReadNat(outcome.ReplyOrThrow(method));
    }

    [Fact]
    public async Task A_canister_lives_and_dies_through_the_client()
    {
        var client = fixture.Engine.Client;
        var instance = await client.CreateInstanceAsync(SubnetConfig.WithApplicationSubnets(2));
        try
        {
            var topology = await instance.GetTopologyAsync();
            var subnets = topology.ApplicationSubnets.ToList();
            Assert.Equal(2, subnets.Count);
            Assert.Equal(2, instance.CreatedWith!.ApplicationSubnets.Count());
            Assert.True(subnets[0].Covers(topology.DefaultEffectiveCanisterId));
            // (The engine lists live instances only, not PocketIC's array indexed by id with "Deleted" entries.)
            Assert.Contains(await client.ListInstancesAsync(), i => i.State == "Available");

            // Created on the second subnet, with cycles and a controller of our choosing.
            var mgmt = instance.Management;
            var id = await mgmt.CreateCanisterAsync(Controller, new CanisterSettings { Controllers = [Controller] },
                cycles: 5_000_000_000_000, subnet: subnets[1].Id);
            Assert.True(subnets[1].Covers(id));
            Assert.Equal(subnets[1].Id, await instance.GetSubnetAsync(id));
            Assert.Equal([Controller], await instance.GetControllersAsync(id));

            var empty = await mgmt.CanisterStatusAsync(Controller, id);
            Assert.Null(empty.ModuleHash);

            var v1 = Module("counter");
            await mgmt.InstallCodeAsync(Controller, id, v1, Nat(41), InstallMode.Install);
            var status = await mgmt.CanisterStatusAsync(Controller, id);
            Assert.Equal(CanisterRunStatus.Running, status.Status);
            Assert.Equal(SHA256.HashData(v1), status.ModuleHash);
            Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(v1)), status.ModuleHashText);

            Assert.Equal(42, await CallNat(instance, id, "inc"));
            Assert.Equal(42, await CallNat(instance, id, "get", query: true));

            // Submit and await separately, as a deferred call does.
            var (message, refused) = await instance.SubmitIngressAsync(new CanisterCall(Controller, id, "inc", NoArgs));
            Assert.Null(refused);
            Assert.Equal(43, ReadNat((await instance.AwaitIngressAsync(message!)).ReplyOrThrow("inc")));

            // A trap is the IC's reject and rolls its change back.
            var trapped = Assert.IsType<CallRejected>(await instance.UpdateCallAsync(new CanisterCall(Controller, id, "incThenTrap", NoArgs)));
            Assert.Equal(5, trapped.RejectCode);
            Assert.Equal(43, await CallNat(instance, id, "get", query: true));

            // Upgrade with enhanced orthogonal persistence keeps the heap; the new version answers.
            await mgmt.InstallCodeAsync(Controller, id, Module("counter_v2"), Nat(0), InstallMode.Upgrade(keepWasmMemory: true));
            Assert.Equal(2, await CallNat(instance, id, "version", query: true));
            Assert.Equal(43, await CallNat(instance, id, "get", query: true));
            Assert.Equal(SHA256.HashData(Module("counter_v2")), (await mgmt.CanisterStatusAsync(Controller, id)).ModuleHash);

            // Without keep, an EOP upgrade is refused (as the IC does), and the canister is unchanged.
            await Assert.ThrowsAsync<CanisterRejectedException>(() => mgmt.InstallCodeAsync(Controller, id, v1, Nat(0), InstallMode.Upgrade()));
            Assert.Equal(2, await CallNat(instance, id, "version", query: true));

            // Reinstall wipes the state and runs init again.
            await mgmt.InstallCodeAsync(Controller, id, v1, Nat(7), InstallMode.Reinstall);
            Assert.Equal(7, await CallNat(instance, id, "get", query: true));
            Assert.Equal(1, await CallNat(instance, id, "version", query: true));

            // Stable memory: what the canister wrote, read back; then replaced from the blob store.
            var marker = "stable marker"u8.ToArray();
            (await instance.UpdateCallAsync(new CanisterCall(Controller, id, "writeStable", CandidBinary.Encode(CandidType.Blob, CandidValue.Blob(marker)))))
                .ReplyOrThrow("writeStable");
            var stable = await instance.GetStableMemoryAsync(id);
            Assert.True(stable.AsSpan().IndexOf(marker) >= 0);
            var replacement = new byte[65536];
            replacement[0] = 0xAB;
            await instance.SetStableMemoryAsync(id, replacement);
            Assert.Equal(0xAB, (await instance.GetStableMemoryAsync(id))[0]);

            // Cycles beyond 2^64 keep every digit.
            var before = await instance.GetCyclesAsync(id);
            var big = BigInteger.Pow(2, 70);
            Assert.Equal(before + big, await instance.AddCyclesAsync(id, big));
            Assert.Equal(before + big, await instance.GetCyclesAsync(id));

            // Time moves forward when set, never back.
            var now = await instance.GetTimeAsync();
            await instance.SetTimeAsync(now + 3_600_000_000_000);
            Assert.True(await instance.GetTimeAsync() >= now + 3_600_000_000_000);
            await Assert.ThrowsAsync<PocketIcException>(() => instance.SetTimeAsync(now));
            await instance.TickAsync(2);

            await mgmt.UpdateSettingsAsync(Controller, id, new CanisterSettings { FreezingThreshold = 1234 });
            Assert.Equal(1234, (await mgmt.CanisterStatusAsync(Controller, id)).FreezingThreshold);

            // Only controllers manage it.
            var denied = await Assert.ThrowsAsync<CanisterRejectedException>(() => mgmt.CanisterStatusAsync(Stranger, id));
            Assert.Equal(5, denied.Reject.RejectCode);
            Assert.Contains("Controller", denied.Reject.ErrorCode);

            // Stopped, it refuses calls; started again, it answers.
            await mgmt.StopCanisterAsync(Controller, id);
            Assert.Equal(CanisterRunStatus.Stopped, (await mgmt.CanisterStatusAsync(Controller, id)).Status);
            Assert.IsType<CallRejected>(await instance.UpdateCallAsync(new CanisterCall(Controller, id, "inc", NoArgs)));
            await mgmt.StartCanisterAsync(Controller, id);
            Assert.Equal(8, await CallNat(instance, id, "inc"));

            // A running canister cannot be deleted; a stopped one can, and then it is gone.
            await Assert.ThrowsAsync<CanisterRejectedException>(() => mgmt.DeleteCanisterAsync(Controller, id));
            await mgmt.StopCanisterAsync(Controller, id);
            await mgmt.DeleteCanisterAsync(Controller, id);
            var gone = Assert.IsType<CallRejected>(await instance.QueryCallAsync(new CanisterCall(Controller, id, "get", NoArgs)));
            Assert.Equal(3, gone.RejectCode);
            await Assert.ThrowsAsync<CanisterRejectedException>(() => mgmt.CanisterStatusAsync(Controller, id));
        }
        finally
        {
            await instance.DeleteAsync();
        }
        // A deleted instance is a server error, not a hang.
        await Assert.ThrowsAsync<PocketIcException>(() => instance.GetTimeAsync());
    }

    [Fact]
    public async Task A_module_larger_than_one_message_is_installed_through_the_chunk_store()
    {
        var instance = await fixture.Engine.Client.CreateInstanceAsync();
        try
        {
            // The counter with a 2 MB custom section: past the threshold, so it goes in chunks; the hash is the whole module's.
            var wasm = WithCustomSection(Module("counter"), "padding", new byte[2_000_000]);
            Assert.True(wasm.Length > ManagementCanister.ChunkedInstallThreshold);
            var id = await instance.Management.CreateCanisterAsync(Controller);
            await instance.Management.InstallCodeAsync(Controller, id, wasm, Nat(5), InstallMode.Install);
            Assert.Equal(SHA256.HashData(wasm), (await instance.Management.CanisterStatusAsync(Controller, id)).ModuleHash);
            Assert.Equal(6, await CallNat(instance, id, "inc"));
        }
        finally
        {
            await instance.DeleteAsync();
        }
    }

    [Fact]
    public async Task Bad_calls_are_rejects_or_server_errors_and_cancellation_is_honoured()
    {
        var instance = await fixture.Engine.Client.CreateInstanceAsync();
        try
        {
            var id = await instance.Management.CreateCanisterAsync(Controller);
            // A module that is not wasm: the management canister rejects it.
            await Assert.ThrowsAsync<CanisterRejectedException>(() =>
                instance.Management.InstallCodeAsync(Controller, id, "not wasm"u8.ToArray(), [], InstallMode.Install));
            // A method on an empty canister.
            Assert.IsType<CallRejected>(await instance.UpdateCallAsync(new CanisterCall(Controller, id, "inc", NoArgs)));
            // An unknown instance.
            await Assert.ThrowsAsync<PocketIcException>(() => fixture.Engine.Client.Instance(99_999).GetTopologyAsync());

            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => instance.GetTimeAsync(cancelled.Token));
        }
        finally
        {
            await instance.DeleteAsync();
        }
    }

    /// <summary>Appends a custom section (id 0) to a module: it changes the module's hash, not what it does.</summary>
    public static byte[] WithCustomSection(byte[] wasm, string name, byte[] content)
    {
        var payload = new List<byte>();
        payload.AddRange(Leb128((uint)System.Text.Encoding.UTF8.GetByteCount(name)));
        payload.AddRange(System.Text.Encoding.UTF8.GetBytes(name));
        payload.AddRange(content);
        return [.. wasm, 0, .. Leb128((uint)payload.Count), .. payload];
    }

    private static byte[] Leb128(uint value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0) b |= 0x80;
            bytes.Add(b);
        } while (value != 0);
        return [.. bytes];
    }
}
