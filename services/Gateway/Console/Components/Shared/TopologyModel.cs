using Platform.Gateway.Console.Backends;

namespace Platform.Gateway.Console.Components.Shared;

/// <summary>A box of the topology graph, where it is drawn.</summary>
public sealed record TopologyNode(string Id, string Label, string Detail, double X, double Y, double Width, double Height);

/// <summary>A canister of the environment with its latest load (null: the Scaler has no sample of it yet).</summary>
public sealed record TopologyCanister(string Service, string CanisterId, string SubnetId, InstanceLoad? Load);

/// <summary>A subnet with the Scaler's latest view of it (null: no sample yet).</summary>
public sealed record TopologySubnet(string SubnetId, SubnetLoad? Load);

/// <summary>
/// The topology of one environment, laid out in three columns (services, their canisters, the subnets they run on)
/// with the call edges between canisters; and the series of its charts. Built from Deploy's view (what runs where)
/// and the Scaler's (load, calls, decisions), so it still shows the structure when the Scaler has nothing yet.
/// </summary>
public sealed class TopologyModel
{
    public const double Width = 960;
    private const double Row = 66;
    private const double BoxHeight = 50;
    private const double Top = 34;
    public const double ServiceX = 10;
    public const double CanisterX = 350;
    public const double SubnetX = 740;
    public const double ServiceWidth = 190;
    public const double CanisterWidth = 230;
    public const double SubnetWidth = 210;

    public IReadOnlyList<TopologyCanister> Canisters { get; }
    public IReadOnlyList<TopologySubnet> Subnets { get; }
    public IReadOnlyList<CallLoad> Calls { get; }
    public IReadOnlyDictionary<string, TopologyNode> Nodes { get; }
    public IReadOnlyList<string> Services { get; }
    public double Height { get; }
    public DateTimeOffset From { get; }
    public DateTimeOffset To { get; }

    public TopologyModel(TopologyView view, DateTimeOffset now)
    {
        var env = view.Environment;
        var latest = (view.State?.Environments ?? []).SelectMany(e => e.Services).SelectMany(s => s.Instances)
            .GroupBy(i => i.CanisterId).ToDictionary(g => g.Key, g => g.First().Latest, StringComparer.Ordinal);
        var series = (view.Load?.Canisters ?? []).ToDictionary(c => c.CanisterId, StringComparer.Ordinal);

        Services = env.Services.Select(s => s.Name).ToList();
        Canisters = env.Services.SelectMany(s => (s.Actual?.Instances ?? []).Select(i => new TopologyCanister(s.Name, i.CanisterId, i.SubnetId,
            latest.GetValueOrDefault(i.CanisterId) ?? (series.TryGetValue(i.CanisterId, out var c) && c.Points.Count > 0 ? c.Points[^1] : null)))).ToList();
        var reported = (view.Load?.Subnets ?? view.State?.Subnets ?? []).ToDictionary(s => s.SubnetId, StringComparer.Ordinal);
        // The subnets the environment runs on first, then the other application subnets it could be placed on.
        Subnets = Canisters.Select(c => c.SubnetId).Distinct()
            .Concat(reported.Values.Where(s => s.Kind == "Application").Select(s => s.SubnetId).Order(StringComparer.Ordinal))
            .Distinct().Select(id => new TopologySubnet(id, reported.GetValueOrDefault(id))).ToList();
        var inEnvironment = Canisters.Select(c => c.CanisterId).ToHashSet(StringComparer.Ordinal);
        Calls = (view.Load?.Calls ?? []).Where(c => c.Caller != c.Callee && inEnvironment.Contains(c.Caller) && inEnvironment.Contains(c.Callee)).ToList();

        var rows = Math.Max(Math.Max(Canisters.Count, Subnets.Count), Services.Count);
        Height = Top + Math.Max(rows, 1) * Row + 10;
        var nodes = new Dictionary<string, TopologyNode>(StringComparer.Ordinal);
        for (var i = 0; i < Canisters.Count; i++)
        {
            var c = Canisters[i];
            nodes["c:" + c.CanisterId] = new TopologyNode("c:" + c.CanisterId, Format.Principal(c.CanisterId),
                c.Load is { } l ? $"{Format.Rate(l.MessagesPerSecond)} msg/s · {Format.Rate(l.InstructionsPerSecond)} instr/s" : "no sample yet",
                CanisterX, Top + i * Row, CanisterWidth, BoxHeight);
        }
        for (var i = 0; i < Services.Count; i++)
        {
            var name = Services[i];
            var own = Canisters.Select((c, index) => (c, index)).Where(x => x.c.Service == name).Select(x => x.index).ToList();
            // A service sits level with the middle of its canisters (or in its own row when it runs none).
            var y = own.Count > 0 ? Top + own.Average() * Row : Top + i * Row;
            nodes["s:" + name] = new TopologyNode("s:" + name, name, own.Count == 1 ? "1 canister" : $"{own.Count} canisters", ServiceX, y, ServiceWidth, BoxHeight);
        }
        for (var i = 0; i < Subnets.Count; i++)
        {
            var s = Subnets[i];
            nodes["n:" + s.SubnetId] = new TopologyNode("n:" + s.SubnetId, Format.Principal(s.SubnetId),
                s.Load is { } l ? $"{s.Load.Kind} · {Math.Round(l.Utilisation * 100, 1)} % busy" : "no sample yet", SubnetX, Top + i * Row, SubnetWidth, BoxHeight);
        }
        Nodes = nodes;

        To = now;
        var earliest = (view.Load?.Canisters ?? []).SelectMany(c => c.Points).Select(p => p.At)
            .Concat(view.Decisions.Select(d => d.DecidedAt)).DefaultIfEmpty(now - TimeSpan.FromMinutes(10)).Min();
        From = earliest < now - TimeSpan.FromMinutes(15) ? now - TimeSpan.FromMinutes(15) : earliest;
        if (To - From < TimeSpan.FromSeconds(30)) From = To - TimeSpan.FromSeconds(30);
    }

    /// <summary>A service's canisters' load summed per sample time (the engine samples every subnet at the same moment).</summary>
    public IReadOnlyList<ChartSeries> LoadSeries(TopologyView view, Func<InstanceLoad, double> measure) =>
        Services.Select(service => new ChartSeries(service, (view.Load?.Canisters ?? []).Where(c => c.Service == service)
            .SelectMany(c => c.Points).GroupBy(p => p.At).OrderBy(g => g.Key).Select(g => (g.Key, g.Sum(measure))).ToList())).ToList();

    /// <summary>
    /// A service's replicas over time: what the Scaler's decisions set it to (a step line), from the first decision's
    /// starting count, ending at the instances that run now.
    /// </summary>
    public IReadOnlyList<ChartSeries> ReplicaSeries(TopologyView view) =>
        Services.Select(service =>
        {
            var decisions = view.Decisions.Where(d => d.Service == service).OrderBy(d => d.DecidedAt).ToList();
            var running = Canisters.Count(c => c.Service == service);
            var points = new List<(DateTimeOffset, double)> { (From, decisions.Count > 0 ? decisions[0].From : running) };
            points.AddRange(decisions.Where(d => d.DecidedAt >= From).Select(d => (d.DecidedAt, (double)d.To)));
            points.Add((To, running));
            return new ChartSeries(service, points, Step: true);
        }).ToList();

    /// <summary>The path of a call edge: an arc to the right of the canister column, from caller to callee.</summary>
    public string CallPath(CallLoad call, int index)
    {
        var a = Nodes["c:" + call.Caller];
        var b = Nodes["c:" + call.Callee];
        var x = a.X + a.Width;
        var y1 = a.Y + a.Height / 2 - 6;
        var y2 = b.Y + b.Height / 2 + 6;
        var bulge = 40 + 18 * index + Math.Abs(y2 - y1) / 5;
        return $"M {Charts.Point(x, y1)} C {Charts.Point(x + bulge, y1)} {Charts.Point(x + bulge, y2)} {Charts.Point(x, y2)}";
    }

    public static string Link(TopologyNode from, TopologyNode to) =>
        $"M {Charts.Point(from.X + from.Width, from.Y + from.Height / 2)} L {Charts.Point(to.X, to.Y + to.Height / 2)}";
}
