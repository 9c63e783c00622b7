using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Outcalls;
using Platform.Engine.Runtime;
using Platform.Engine.Subnets;

namespace Platform.Engine.Instances;

/// <summary>How many subnets of each kind an instance gets (PocketIC's subnet_config_set).</summary>
internal sealed record SubnetLayout(
    bool Nns = false, bool Sns = false, bool Ii = false, bool Fiduciary = false, bool Bitcoin = false,
    int System = 0, int Application = 0, int VerifiedApplication = 0);

/// <summary>The engine's instances, in memory as in PocketIC, numbered from 0.</summary>
internal sealed partial class InstanceRegistry(WasmRuntime runtime, InstructionLimits limits, ILoggerFactory loggers, OutcallAdapter? outcalls = null)
{
    private const ulong RangeSize = 1UL << 20;

    // Mainnet canister ranges of the named subnets, which PocketIC keeps for them.
    private static readonly Dictionary<SubnetKind, CanisterRange> MainnetRanges = new()
    {
        [SubnetKind.NNS] = new(0x0000_0000, 0x000F_FFFF),
        [SubnetKind.II] = new(0x0070_0000, 0x007F_FFFF),
        [SubnetKind.Bitcoin] = new(0x01A0_0000, 0x01AF_FFFF),
        [SubnetKind.SNS] = new(0x0200_0000, 0x020F_FFFF),
        [SubnetKind.Fiduciary] = new(0x0210_0000, 0x021F_FFFF),
    };

    private readonly ConcurrentDictionary<int, EngineInstance> _instances = new();
    private readonly ILogger _logger = loggers.CreateLogger<InstanceRegistry>();
    private int _nextId = -1;

    /// <summary>Blobs uploaded through /blobstore, by hex SHA-256 (server-wide, as in PocketIC).</summary>
    public ConcurrentDictionary<string, byte[]> Blobs { get; } = new();

    public IEnumerable<int> Ids => _instances.Keys.Order();

    /// <summary>How many ids were handed out: PocketIC lists every one of them, deleted ones as "Deleted".</summary>
    public int IssuedIds => Volatile.Read(ref _nextId) + 1;

    public EngineInstance Create(SubnetLayout layout)
    {
        var id = Interlocked.Increment(ref _nextId);
        var kinds = new List<SubnetKind>();
        if (layout.Nns) kinds.Add(SubnetKind.NNS);
        if (layout.Sns) kinds.Add(SubnetKind.SNS);
        if (layout.Ii) kinds.Add(SubnetKind.II);
        if (layout.Fiduciary) kinds.Add(SubnetKind.Fiduciary);
        if (layout.Bitcoin) kinds.Add(SubnetKind.Bitcoin);
        kinds.AddRange(Enumerable.Repeat(SubnetKind.System, layout.System));
        kinds.AddRange(Enumerable.Repeat(SubnetKind.Application, layout.Application));
        kinds.AddRange(Enumerable.Repeat(SubnetKind.VerifiedApplication, layout.VerifiedApplication));
        if (kinds.Count == 0) kinds.Add(SubnetKind.Application);

        var subnetLogger = loggers.CreateLogger<Subnet>();
        var subnets = kinds.Select((kind, k) => NewSubnet(id, k, kind, null, subnetLogger)).ToList();
        var instance = new EngineInstance(id, subnets, new CanisterExecutor(runtime, limits), loggers.CreateLogger<EngineInstance>(), Blobs)
        {
            SubnetFactory = (k, kind, range) => NewSubnet(id, k, kind, range, subnetLogger),
            OutcallAdapter = outcalls ?? OutcallAdapter.LoopbackOnly,
        };
        _instances[id] = instance;
        LogCreated(id, string.Join(", ", kinds));
        return instance;
    }

    /// <summary>
    /// Subnet number <paramref name="k"/> of an instance. Its allocation range is range k, counted down from the top
    /// of the u64 space: [2^64 - (k+2)·2^20, 2^64 - (k+1)·2^20 - 1], unless <paramref name="allocation"/> names one
    /// (a subnet made on demand for a mainnet canister id). Named subnets also keep their mainnet range.
    /// </summary>
    private static Subnet NewSubnet(int instanceId, int k, SubnetKind kind, CanisterRange? allocation, ILogger logger)
    {
        var start = ulong.MaxValue - (ulong)(k + 2) * RangeSize + 1;
        var range = allocation ?? new CanisterRange(start, start + RangeSize - 1);
        var ranges = MainnetRanges.TryGetValue(kind, out var mainnet) && allocation is null ? new[] { mainnet, range } : new[] { range };
        var seed = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"subnet {instanceId}/{k}"));
        return new Subnet(Principal.SelfAuthenticating(seed), kind, seed, ranges, range, logger);
    }

    /// <summary>The named subnet kind whose mainnet range holds <paramref name="index"/>, if any.</summary>
    public static SubnetKind? MainnetKindOf(ulong index) =>
        MainnetRanges.Where(r => r.Value.Contains(index)).Select(r => (SubnetKind?)r.Key).FirstOrDefault();

    /// <summary>The 2^20-aligned range around a canister index (the size of a subnet's range here).</summary>
    public static CanisterRange AlignedRange(ulong index) => new(index & ~(RangeSize - 1), (index & ~(RangeSize - 1)) + RangeSize - 1);

    public EngineInstance? Find(int id) => _instances.GetValueOrDefault(id);

    public bool Delete(int id)
    {
        if (!_instances.TryRemove(id, out var instance)) return false;
        instance.Gate.Wait();
        instance.Dispose();
        LogDeleted(id);
        return true;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Instance {Id} created with subnets {Kinds}")]
    private partial void LogCreated(int id, string kinds);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Instance {Id} deleted")]
    private partial void LogDeleted(int id);
}
