using Marten;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Scaler.Environments;
using Platform.Scaler.Policy;
using Platform.Scaler.Signals;

namespace Platform.Scaler.Decisions;

/// <summary>
/// Every <see cref="ScalerServiceOptions.Interval"/>, runs the policy for every service of every environment Deploy
/// reported, and records each decision: the event in the service's stream (from where <see cref="DecisionRelay"/>
/// publishes it), the API's record of it and the service's memory of it, in one transaction.
/// </summary>
internal sealed partial class ScalingLoop(
    IDocumentStore store, LoadWindow window, EnvironmentLocks locks, ScalerOptions policy,
    IOptions<ScalerServiceOptions> options, TimeProvider clock, ILogger<ScalingLoop> logger) : BackgroundService
{
    // Load a new instance is expected to bring to its subnet until the subnet's samples show it, so that the
    // decisions of one round (and the next few) do not all pick the same subnet. Once a canister the subnet did not
    // report before the decision appears in its samples, its load is measured there: counting the expectation on top
    // of it would make the subnet look over capacity and move a healthy instance off it.
    private sealed record Reservation(string Subnet, double InstructionsPerSecond, DateTimeOffset Until, HashSet<string> Before);
    private readonly List<Reservation> _reserved = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(e);
            }
        }
    }

    public async Task RunOnceAsync(CancellationToken ct)
    {
        IReadOnlyList<string> ids;
        await using (var query = store.QuerySession())
            ids = await query.Query<EnvironmentState>().Select(e => e.Id).ToListAsync(ct);
        foreach (var id in ids)
        {
            using var _ = await locks.AcquireAsync(id, ct);
            await using var session = store.LightweightSession();
            var state = await session.LoadAsync<EnvironmentState>(id, ct);
            if (state is null)
                continue;
            var decided = false;
            foreach (var service in state.Services)
                decided |= Decide(session, state, service);
            if (!decided)
                continue;
            session.Store(state);
            await session.SaveChangesAsync(ct);
        }
    }

    private bool Decide(IDocumentSession session, EnvironmentState state, DeployedService service)
    {
        var now = clock.GetUtcNow();
        state.Decisions.TryGetValue(service.Name, out var memory);
        var (calls, subnetOf) = window.Graph();
        _reserved.RemoveAll(r => r.Until <= now || subnetOf.Any(c => c.Value == r.Subnet && !r.Before.Contains(c.Key)));
        var where = subnetOf.ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);
        foreach (var instance in service.Instances)
            where.TryAdd(instance.CanisterId, instance.SubnetId);
        var subnets = window.Subnets().Select(s => s with
        {
            InstructionsPerSecond = s.InstructionsPerSecond + _reserved.Where(r => r.Subnet == s.SubnetId).Sum(r => r.InstructionsPerSecond),
        }).ToList();
        var signals = new ServiceSignals(state.Namespace, state.Environment, service,
            window.History(service.Instances.Select(i => i.CanisterId)
                .Concat(state.Former.Where(f => f.Service == service.Name && f.LeftAt > now - policy.LongWindow).Select(f => f.CanisterId))),
            subnets, calls, where,
            memory is null ? null : new LastDecision(memory.At, KindOf(memory.Kind), memory.TargetCount, memory.Removing));
        var replacing = memory?.Replacing.Where(r => now - r.Value < policy.PendingTimeout).Select(r => r.Key).ToList();
        if (ScalerPolicy.Decide(signals, now, policy, replacing) is not { } d)
            return false;

        var kind = NameOf(d.Kind);
        var decision = new ScalingDecision(Guid.NewGuid(), state.Namespace, state.Environment, service.Name, d.Signals, d.Reason);
        var stream = $"{state.Namespace}/{state.Environment}/{service.Name}";
        session.Events.Append(stream, new ScalingDecided(decision, kind, d.From, d.To, d.Subnets, d.CanisterIds));
        session.Store(new DecisionRecord
        {
            Id = decision.DecisionId, Namespace = state.Namespace, Environment = state.Environment, Service = service.Name,
            Kind = kind, DecidedAt = now, From = d.From, To = d.To, Subnets = d.Subnets.ToList(),
            CanisterIds = d.CanisterIds.ToList(), Signals = d.Signals.ToDictionary(), Reason = d.Reason,
        });
        memory ??= new ServiceMemory();
        if (d.Kind == DecisionKind.Replace)
            memory.Replacing[d.CanisterIds[0]] = now;
        else
        {
            memory.At = now;
            memory.Kind = kind;
            memory.TargetCount = d.To;
            memory.Removing = d.Kind == DecisionKind.ScaleIn ? d.CanisterIds.ToList() : [];
        }
        state.Decisions[service.Name] = memory;
        var share = d.Signals.TryGetValue("instructionsPerSecond", out var ips) && d.To > 0 ? ips / d.To : policy.InstructionsPerReplica / 2;
        foreach (var subnet in d.Subnets)
            _reserved.Add(new Reservation(subnet, share, now + TimeSpan.FromSeconds(30),
                subnetOf.Where(c => c.Value == subnet).Select(c => c.Key).ToHashSet(StringComparer.Ordinal)));
        LogDecided(kind, stream, d.From, d.To, d.Reason);
        return true;
    }

    internal static string NameOf(DecisionKind kind) => kind switch
    {
        DecisionKind.ScaleOut => DecisionEvents.ScaleOut,
        DecisionKind.ScaleIn => DecisionEvents.ScaleIn,
        DecisionKind.ShardSplit => DecisionEvents.ShardSplit,
        _ => DecisionEvents.Replace,
    };

    private static DecisionKind KindOf(string name) => name switch
    {
        DecisionEvents.ScaleIn => DecisionKind.ScaleIn,
        DecisionEvents.ShardSplit => DecisionKind.ShardSplit,
        DecisionEvents.Replace => DecisionKind.Replace,
        _ => DecisionKind.ScaleOut,
    };

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "{Kind} {Service}: {From} -> {To} ({Reason})")]
    private partial void LogDecided(string kind, string service, int from, int to, string reason);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Error, Message = "scaling round failed; the next round retries")]
    private partial void LogRoundFailed(Exception error);
}
