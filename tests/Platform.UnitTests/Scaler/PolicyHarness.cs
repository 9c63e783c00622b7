using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.UnitTests.Scaler;

/// <summary>
/// One service under a given demand, sampled every 5 s as the engine would (each replica executes its share up to
/// its capacity; what it cannot execute waits in its queue), with the policy run after each sample and its
/// decisions applied at once. Enough to test the policy's behaviour over time; the benchmark's simulator adds
/// provisioning delay and subnet capacity.
/// </summary>
internal sealed class PolicyHarness
{
    public const double Capacity = 1e9;
    // Subnets big enough that their capacity never decides here (no rebalancing): PlacementTests cover that.
    public static readonly ScalerOptions Options = new() { InstructionsPerReplica = Capacity, InstructionsPerSubnet = 1e11 };
    public static readonly string[] SubnetIds = ["subnet-a", "subnet-b", "subnet-c", "subnet-d"];

    private readonly Dictionary<string, List<LoadPoint>> _history = new();
    private readonly Dictionary<string, double> _backlog = new();
    private readonly Random _random = new(7);
    private int _nextCanister;

    public PolicyHarness(int replicas, int min, int max, TimeSpan? cooldown = null, ShardingPolicy? sharding = null)
    {
        Service = new DeployedService("api", "sha256:m", "sha256:w", [], new ReplicaBounds(min, max),
            new ScalingPolicy(0.6, ScalingMetrics.Instructions, cooldown ?? TimeSpan.FromSeconds(60)), sharding);
        for (var i = 0; i < replicas; i++)
            Add(SubnetIds[i % SubnetIds.Length]);
    }

    public DeployedService Service { get; private set; }
    public DateTimeOffset Now { get; private set; } = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    public List<(DateTimeOffset At, Decision Decision)> Decisions { get; } = [];
    public LastDecision? Last { get; private set; }
    public int Count => Service.Instances.Count;

    /// <summary>Runs <paramref name="seconds"/> of load; <paramref name="demand"/> gives the total in replicas' worth at a time.</summary>
    public void Run(int seconds, Func<double, double> demand, double noise = 0)
    {
        for (var t = 0; t < seconds; t += 5)
        {
            Now += TimeSpan.FromSeconds(5);
            var total = Math.Max(0, demand(t) * (1 + noise * (_random.NextDouble() * 2 - 1)));
            Sample(total);
            if (ScalerPolicy.Decide(Signals(), Now, Options) is { } d)
                Apply(d);
        }
    }

    /// <summary>Runs until a decision <paramref name="matches"/> (returned), for at most <paramref name="seconds"/>.</summary>
    public (DateTimeOffset At, Decision Decision) RunUntil(Func<Decision, bool> matches, int seconds, Func<double, double> demand)
    {
        var count = Decisions.Count;
        for (var t = 0; t < seconds; t += 5)
        {
            Run(5, _ => demand(t));
            if (Decisions.Skip(count).FirstOrDefault(d => matches(d.Decision)) is { Decision: not null } found)
                return found;
        }
        throw new InvalidOperationException($"no such decision within {seconds} s");
    }

    public ServiceSignals Signals() => new("team", "prod", Service,
        _history.ToDictionary(h => h.Key, h => (IReadOnlyList<LoadPoint>)h.Value),
        SubnetIds.Select(s => new SubnetView(s, "Application", Now, SubnetLoad(s))).ToList(),
        [], Service.Instances.ToDictionary(i => i.CanisterId, i => i.SubnetId), Last);

    private double SubnetLoad(string subnet) => Service.Instances.Where(i => i.SubnetId == subnet)
        .Sum(i => _history.TryGetValue(i.CanisterId, out var p) && p.Count > 0 ? p[^1].Load.InstructionsPerSecond : 0);

    private void Sample(double total)
    {
        var share = total / Count;
        foreach (var instance in Service.Instances)
        {
            // Messages of 1e7 instructions; per second the replica executes what arrives plus backlog, up to capacity.
            var backlog = _backlog.GetValueOrDefault(instance.CanisterId);
            var offered = share * Capacity * 5 + backlog;
            var executed = Math.Min(offered, Capacity * 5);
            _backlog[instance.CanisterId] = offered - executed;
            var load = new CanisterLoad(instance.CanisterId, executed / 5 / 1e7, executed / 5, 1 << 20,
                (int)((offered - executed) / 1e7), 0, "running");
            Point(instance.CanisterId, load);
        }
    }

    public void Point(string canister, CanisterLoad load)
    {
        var subnet = Service.Instances.First(i => i.CanisterId == canister).SubnetId;
        if (!_history.TryGetValue(canister, out var points))
            _history[canister] = points = [];
        points.Add(new LoadPoint(subnet, Now, 5, load));
    }

    public void Advance(TimeSpan by) => Now += by;

    public void Apply(Decision d)
    {
        Decisions.Add((Now, d));
        Last = new LastDecision(Now, d.Kind, d.To);
        switch (d.Kind)
        {
            case DecisionKind.ScaleOut or DecisionKind.ShardSplit:
                foreach (var subnet in d.Subnets)
                    Add(subnet);
                break;
            case DecisionKind.ScaleIn:
                Service = Service with { Instances = Service.Instances.Where(i => !d.CanisterIds.Contains(i.CanisterId)).ToList() };
                break;
            case DecisionKind.Replace:
                Service = Service with { Instances = Service.Instances.Where(i => i.CanisterId != d.CanisterIds[0]).ToList() };
                Add(d.Subnets[0]);
                break;
        }
    }

    private void Add(string subnet)
    {
        var shard = Service.Sharding is null ? (int?)null : Service.Instances.Count;
        Service = Service with { Instances = [.. Service.Instances, new ServiceInstance($"canister-{_nextCanister++}", subnet, shard)] };
    }

    /// <summary>Decisions that reverse the previous one within the cooldown.</summary>
    public int Flaps(TimeSpan cooldown) => Decisions.Zip(Decisions.Skip(1))
        .Count(p => p.First.Decision.Kind != p.Second.Decision.Kind && p.Second.At - p.First.At < cooldown
            && p.First.Decision.Kind is DecisionKind.ScaleOut or DecisionKind.ScaleIn && p.Second.Decision.Kind is DecisionKind.ScaleOut or DecisionKind.ScaleIn);
}
