using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.Bench.Scaler;

/// <summary>What one policy did with one trace.</summary>
internal sealed record Outcome(string Trace, string Policy, int OverloadSeconds, double ReplicaSeconds, int Decisions, int Flaps);

/// <summary>
/// Three services (api calls db, worker calls db) on four application subnets, simulated second by second, the
/// same way for every policy:
/// <list type="bullet">
/// <item>Each second a service's demand (instructions) is split evenly over its ready replicas (as pick() spreads
/// keys); a replica executes what arrives plus its backlog, up to its capacity, and a subnet executes at most its own
/// capacity, shared in proportion; what is not executed waits in the replica's queue.</item>
/// <item>A second is an overload second for a service when its demand is above what its replicas can execute
/// then (their capacity, less what a full subnet takes away).</item>
/// <item>Every 5 s the engine's sample (executed messages and instructions per second, queue depth, the calls
/// between canisters) goes to the policy, which decides for each service that is not still waiting for replicas
/// it asked for. New replicas serve 10 s after the decision (installing a canister) and cost from the decision on;
/// removed ones stop at once, their queue going to the others.</item>
/// </list>
/// </summary>
internal sealed class Simulator
{
    public const double ReplicaCapacity = 1e9;
    public const double SubnetCapacity = 4e9;
    private const double InstructionsPerMessage = 1e7;
    private const int SampleSeconds = 5;
    private const int ProvisionSeconds = 10;
    /// <summary>
    /// The first five minutes are not counted, for any policy: the adaptive ones start from the declared minimum
    /// and size the services for the initial load then (a cold start, not the behaviour under changing load the
    /// benchmark compares). The traces change only after that.
    /// </summary>
    public const int WarmUpSeconds = 300;
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset Epoch = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Subnets = ["subnet-1", "subnet-2", "subnet-3", "subnet-4"];
    private static readonly (string Name, double Scale)[] Services = [("api", 1.0), ("worker", 0.6), ("db", 0.4)];
    private static readonly ReplicaBounds Bounds = new(1, 12);

    /// <summary>
    /// The utilisation the services declare as their target (`scaling.target`): the naive policy's 80 %, so that
    /// both fill replicas as far. At the default 0.6 any policy that holds its target costs a third more replicas
    /// than one that lets them fill to 80 % before adding one, and the comparison would be about the target.
    /// </summary>
    public const double Target = 0.8;

    public static ScalerOptions Options { get; } = new()
    {
        InstructionsPerReplica = ReplicaCapacity,
        InstructionsPerSubnet = SubnetCapacity,
        SubnetKinds = ["Application"],
    };

    private sealed class Replica(string id, string service, string subnet, int readyAt)
    {
        public string Id { get; } = id;
        public string Service { get; } = service;
        public string Subnet { get; } = subnet;
        public int ReadyAt { get; } = readyAt;
        public double Backlog { get; set; }
        public double Offered { get; set; }
        public double Executed { get; set; }
        public double WindowExecuted { get; set; }
    }

    private readonly List<Replica> _replicas = [];
    private readonly Dictionary<string, List<LoadPoint>> _history = new();
    private readonly Dictionary<string, LastDecision> _last = new();
    private readonly Dictionary<string, List<(int At, DecisionKind Kind)>> _decisions = new();
    private readonly List<(int At, string Old)> _moves = [];
    private int _next;

    public static Outcome Run(string trace, IBenchPolicy policy, int seed)
    {
        var sim = new Simulator();
        var demand = Services.Select((s, i) => Traces.Demand(trace, s.Scale, seed * 31 + i)).ToArray();
        return sim.Simulate(trace, policy, demand);
    }

    private Outcome Simulate(string trace, IBenchPolicy policy, double[][] demand)
    {
        for (var i = 0; i < Services.Length; i++)
        {
            _decisions[Services[i].Name] = [];
            var empty = Signals(Services[i].Name, 0, []);
            foreach (var subnet in Placement.Choose(empty, policy.InitialCount(demand[i], Bounds), ReplicaCapacity * Target, Options))
                _replicas.Add(new Replica($"{Services[i].Name}-{_next++}", Services[i].Name, subnet, 0));
        }

        var overload = 0;
        var replicaSeconds = 0.0;
        for (var t = 0; t < Traces.Seconds; t++)
        {
            var measured = t >= WarmUpSeconds;
            if (measured)
                replicaSeconds += _replicas.Count;
            for (var i = 0; i < Services.Length; i++)
            {
                var ready = Ready(Services[i].Name, t);
                foreach (var r in ready)
                    r.Offered = r.Backlog + demand[i][t] * ReplicaCapacity / ready.Count;
            }
            var capacity = new Dictionary<string, double>();
            foreach (var subnet in Subnets)
            {
                var here = _replicas.Where(r => r.Subnet == subnet && r.ReadyAt <= t).ToList();
                var wanted = here.Sum(r => Math.Min(r.Offered, ReplicaCapacity));
                var share = wanted > SubnetCapacity ? SubnetCapacity / wanted : 1;
                foreach (var r in here)
                {
                    r.Executed = Math.Min(r.Offered, ReplicaCapacity) * share;
                    r.Backlog = r.Offered - r.Executed;
                    r.WindowExecuted += r.Executed;
                    capacity[r.Service] = capacity.GetValueOrDefault(r.Service) + ReplicaCapacity * share;
                }
            }
            for (var i = 0; i < Services.Length; i++)
                if (measured && demand[i][t] * ReplicaCapacity > capacity.GetValueOrDefault(Services[i].Name) * 1.0001)
                {
                    overload++;
                    if (Environment.GetEnvironmentVariable("BENCH_TRACE") == trace + "/" + policy.Name)
                        Console.Error.WriteLine($"t={t} {Services[i].Name} demand={demand[i][t]:0.00} cap={capacity.GetValueOrDefault(Services[i].Name) / ReplicaCapacity:0.00} n={Ready(Services[i].Name, t).Count} all={_replicas.Count(r => r.Service == Services[i].Name)}");
                }

            if ((t + 1) % SampleSeconds == 0)
                SampleAndDecide(trace, policy, t + 1);
        }
        // A move or replacement keeps the count: only scale-outs and scale-ins can reverse each other.
        var flaps = _decisions.Values.Select(list => list.Where(d => d.Kind != DecisionKind.Replace).ToList()).Sum(list => list.Zip(list.Skip(1)).Count(p =>
            p.First.Kind != p.Second.Kind && p.Second.At - p.First.At < Cooldown.TotalSeconds));
        return new Outcome(trace, policy.Name, overload, replicaSeconds, _decisions.Values.Sum(d => d.Count), flaps);
    }

    private List<Replica> Ready(string service, int t) => _replicas.Where(r => r.Service == service && r.ReadyAt <= t).ToList();

    private void SampleAndDecide(string trace, IBenchPolicy policy, int t)
    {
        foreach (var (_, old) in _moves.Where(m => m.At <= t).ToList())
        {
            var gone = _replicas.FirstOrDefault(r => r.Id == old);
            _moves.RemoveAll(m => m.Old == old);
            if (gone is null)
                continue;
            _replicas.Remove(gone);
            var stay = Ready(gone.Service, t);
            foreach (var r in stay)
                r.Backlog += gone.Backlog / stay.Count;
        }
        var now = Epoch + TimeSpan.FromSeconds(t);
        foreach (var r in _replicas.Where(r => r.ReadyAt <= t))
        {
            var ips = r.WindowExecuted / SampleSeconds;
            var load = new CanisterLoad(r.Id, ips / InstructionsPerMessage, ips, 64 << 20, (int)(r.Backlog / InstructionsPerMessage), 0, "running");
            if (!_history.TryGetValue(r.Id, out var points))
                _history[r.Id] = points = [];
            points.Add(new LoadPoint(r.Subnet, now, SampleSeconds, load));
            r.WindowExecuted = 0;
        }
        // Kept as long as the Scaler keeps them, for the canisters that left too.
        foreach (var points in _history.Values)
            points.RemoveAll(p => p.At < now - Options.LongWindow - TimeSpan.FromSeconds(60));
        var calls = new List<CallEdge>();
        foreach (var caller in _replicas.Where(r => r.Service is "api" or "worker" && r.ReadyAt <= t))
        {
            var db = Ready("db", t);
            var messages = _history[caller.Id][^1].Load.MessagesPerSecond * SampleSeconds;
            calls.AddRange(db.Select(d => new CallEdge(caller.Id, d.Id, (long)(messages / db.Count))));
        }

        foreach (var (name, _) in Services)
        {
            // A service still waiting for the replicas it asked for is left alone, whatever the policy.
            if (_replicas.Any(r => r.Service == name && r.ReadyAt > t))
                continue;
            var signals = Signals(name, t, calls);
            if (policy.Decide(signals, now) is not { } decision)
                continue;
            _decisions[name].Add((t, decision.Kind));
            if (Environment.GetEnvironmentVariable("BENCH_TRACE") == trace + "/" + policy.Name)
                Console.Error.WriteLine($"t={t} {name} {decision.Kind} {decision.From}->{decision.To} [{string.Join(",", decision.Subnets)}] {decision.Reason}");
            if (decision.Kind == DecisionKind.Replace)
            {
                // A move (or replacement): the new replica serves once installed, the old one serves until then, as
                // Deploy does it. Like the Scaler, it is not the service's last decision (the count stays).
                _replicas.Add(new Replica($"{name}-{_next++}", name, decision.Subnets[0], t + ProvisionSeconds));
                _moves.Add((t + ProvisionSeconds, decision.CanisterIds[0]));
                continue;
            }
            _last[name] = new LastDecision(now, decision.Kind, decision.To);
            if (decision.Kind is DecisionKind.ScaleOut or DecisionKind.ShardSplit)
                foreach (var subnet in decision.Subnets)
                    _replicas.Add(new Replica($"{name}-{_next++}", name, subnet, t + ProvisionSeconds));
            else if (decision.Kind == DecisionKind.ScaleIn)
            {
                var leaving = _replicas.Where(r => decision.CanisterIds.Contains(r.Id)).ToList();
                _replicas.RemoveAll(leaving.Contains);
                var stay = Ready(name, t);
                foreach (var r in stay)
                    r.Backlog += leaving.Sum(l => l.Backlog) / stay.Count;
            }
        }
    }

    private ServiceSignals Signals(string name, int t, IReadOnlyList<CallEdge> calls)
    {
        var now = Epoch + TimeSpan.FromSeconds(t);
        var instances = Ready(name, t).Select(r => new ServiceInstance(r.Id, r.Subnet, null)).ToList();
        // A subnet's load: what its canisters executed in the last window, plus, for replicas still being installed,
        // what they are expected to take (as the Scaler reserves it), so decisions in one round do not all pick
        // the same subnet.
        var subnets = Subnets.Select(s => new SubnetView(s, "Application", now,
            _replicas.Where(r => r.Subnet == s).Sum(r => r.ReadyAt > t || !_history.TryGetValue(r.Id, out var p) || p.Count == 0
                ? ReplicaCapacity * Target : p[^1].Load.InstructionsPerSecond))).ToList();
        var service = new DeployedService(name, "sha256:bench", "sha256:bench", instances, Bounds,
            new ScalingPolicy(Target, ScalingMetrics.Instructions, Cooldown), null);
        return new ServiceSignals("bench", "prod", service,
            // The service's canisters, the ones it no longer has too (as the Scaler remembers them).
            _history.Where(h => h.Key.StartsWith(name + "-", StringComparison.Ordinal) && h.Value.Count > 0)
                .ToDictionary(h => h.Key, h => (IReadOnlyList<LoadPoint>)h.Value),
            subnets, calls, _replicas.ToDictionary(r => r.Id, r => r.Subnet), _last.GetValueOrDefault(name));
    }
}
