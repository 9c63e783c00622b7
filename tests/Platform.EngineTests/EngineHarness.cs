using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Management;
using Platform.Engine.Runtime;
using Platform.Engine.Subnets;

namespace Platform.EngineTests;

/// <summary>The test canisters built by dev/canisters/build.js (committed under dev/canisters/out).</summary>
internal static class Fixtures
{
    private static readonly string Directory = Path.Combine(RepositoryRoot(), "dev", "canisters", "out");

    public static byte[] Wasm(string name)
    {
        var path = Path.Combine(Directory, name + ".wasm");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: run node dev/canisters/build.js", path);
        return File.ReadAllBytes(path);
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("the repository root (Platform.sln) was not found above the test binaries");
    }
}

/// <summary>
/// An engine instance driven in-process the way the REST API drives it: management calls and canister calls as
/// ingress messages awaited through rounds, queries on the current state.
/// </summary>
internal sealed class EngineHarness : IDisposable
{
    // One Wasmtime engine and module cache for all tests: compiling a Motoko module costs a few hundred ms.
    private static readonly WasmRuntime SharedRuntime = new(null, NullLogger<WasmRuntime>.Instance);

    public static readonly Principal Alice = Principal.FromBytes([1, 2, 3, 4, 2]);
    public static readonly Principal Mallory = Principal.FromBytes([9, 9, 9, 9, 2]);

    public EngineHarness(int applicationSubnets = 2, InstructionLimits? limits = null)
        : this(new InstanceRegistry(SharedRuntime, limits ?? new InstructionLimits(), NullLoggerFactory.Instance), applicationSubnets)
    {
    }

    /// <summary>An instance of a running engine's registry (the REST API and background services see it too).</summary>
    public EngineHarness(InstanceRegistry registry, int applicationSubnets = 2)
    {
        Registry = registry;
        Instance = Registry.Create(new SubnetLayout(Application: applicationSubnets));
    }

    public static WasmRuntime Runtime => SharedRuntime;
    public InstanceRegistry Registry { get; }
    public EngineInstance Instance { get; }
    public Subnet SubnetA => Instance.Subnets[0];
    public Subnet SubnetB => Instance.Subnets[1];

    public CallResult Update(Principal sender, Principal canister, string method, byte[] payload, Subnet? subnet = null)
    {
        var id = Instance.Submit(sender, canister, method, payload, subnet);
        return Instance.Await(id, out _) ?? throw new InvalidOperationException($"{method} did not complete");
    }

    public CallResult Query(Principal sender, Principal canister, string method, byte[] payload) =>
        Instance.Executor.ExecuteQuery(Instance.FindCanister(canister)!, sender, method, payload, Instance.Time);

    public static byte[] Reply(CallResult result) => result switch
    {
        CallReply reply => reply.Data,
        CallReject reject => throw new Xunit.Sdk.XunitException($"expected a reply, got {reject.Code} {reject.ErrorCode}: {reject.Message}"),
        _ => throw new InvalidOperationException(),
    };

    public static CallReject Reject(CallResult result) =>
        result as CallReject ?? throw new Xunit.Sdk.XunitException("expected a reject, got a reply");

    public Principal Create(Principal? controller = null, Subnet? subnet = null, BigInteger? cycles = null)
    {
        var reply = Reply(Update(controller ?? Alice, Principal.ManagementCanister, "provisional_create_canister_with_cycles",
            CreateArgs(controller, cycles), subnet ?? SubnetA));
        return CanisterIdOf(reply);
    }

    /// <summary>provisional_create_canister_with_cycles's argument: <paramref name="controller"/> (Alice) controls it.</summary>
    public static byte[] CreateArgs(Principal? controller = null, BigInteger? cycles = null)
    {
        var settings = CandidValue.Some(CandidValue.Record(("controllers", CandidValue.Some(CandidValue.Vec(CandidValue.Principal(controller ?? Alice))))));
        var args = CandidValue.Record(
            ("amount", cycles is { } c ? CandidValue.Some(CandidValue.Nat(c)) : CandidValue.None),
            ("settings", settings),
            ("specified_id", CandidValue.None));
        return CandidBinary.Encode(ManagementTypes.ProvisionalCreateArgs, args);
    }

    public static Principal CanisterIdOf(byte[] reply) =>
        CandidBinary.Decode(reply, ManagementTypes.CanisterIdRecord).AsRecord()["canister_id"].AsPrincipal();

    public static byte[] CanisterIdArgs(Principal canister) =>
        CandidBinary.Encode(ManagementTypes.CanisterIdRecord, CandidValue.Record(("canister_id", CandidValue.Principal(canister))));

    public CallResult InstallCode(Principal canister, byte[] wasm, byte[] arg, string mode = "install", bool? keep = null, Principal? sender = null) =>
        Update(sender ?? Alice, Principal.ManagementCanister, "install_code", InstallArgs(canister, wasm, arg, mode, keep));

    /// <summary>install_code's argument; <paramref name="keep"/> is the upgrade's wasm_memory_persistence.</summary>
    public static byte[] InstallArgs(Principal canister, byte[] wasm, byte[] arg, string mode = "install", bool? keep = null)
    {
        CandidValue modeValue = mode == "upgrade"
            ? CandidValue.Variant("upgrade", CandidValue.Some(CandidValue.Record(
                ("skip_pre_upgrade", CandidValue.None),
                ("wasm_memory_persistence", keep is { } k ? CandidValue.Some(CandidValue.Variant(k ? "keep" : "replace", CandidValue.Null)) : CandidValue.None))))
            : CandidValue.Variant(mode, CandidValue.Null);
        var args = CandidValue.Record(
            ("mode", modeValue), ("canister_id", CandidValue.Principal(canister)), ("wasm_module", CandidValue.Blob(wasm)),
            ("arg", CandidValue.Blob(arg)), ("sender_canister_version", CandidValue.None));
        return CandidBinary.Encode(ManagementTypes.InstallCodeArgs, args);
    }

    public Principal Install(byte[] wasm, byte[]? arg = null, Subnet? subnet = null)
    {
        var id = Create(subnet: subnet);
        Reply(InstallCode(id, wasm, arg ?? []));
        return id;
    }

    public CallResult Management(string method, CandidType type, CandidValue value, Principal? sender = null) =>
        Update(sender ?? Alice, Principal.ManagementCanister, method, CandidBinary.Encode(type, value));

    public CallResult CanisterIdCall(string method, Principal canister, Principal? sender = null) =>
        Update(sender ?? Alice, Principal.ManagementCanister, method, CanisterIdArgs(canister));

    public static byte[] Nat(BigInteger n) => CandidBinary.Encode(CandidType.Nat, CandidValue.Nat(n));
    public static BigInteger DecodeNat(byte[] reply) => CandidBinary.Decode(reply, CandidType.Nat).AsNat();
    public static byte[] NoArgs => CandidBinary.Encode([], []);

    public void Dispose() => Registry.Delete(Instance.Id);
}
