using JasperFx.Events;
using Marten;
using MassTransit;
using Platform.Contracts;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Scaling;

/// <summary>
/// The Scaler's four decisions in, each planned as a scaling release and handed to the runner. The release's id is
/// the decision's id, so a decision delivered twice (or by two consumers at once) is planned once: the second
/// start of the same stream fails and is ignored. A decision for an environment Deploy does not know is dropped.
/// </summary>
internal sealed partial class ScalingDecisionConsumer(IDocumentStore store, ReleaseRunner runner, ILogger<ScalingDecisionConsumer> logger)
    : IConsumer<ScaleOutDecidedV1>, IConsumer<ScaleInDecidedV1>, IConsumer<ShardSplitDecidedV1>, IConsumer<ReplicaReplacedV1>
{
    public Task Consume(ConsumeContext<ScaleOutDecidedV1> context) =>
        PlanAsync(context.Message.Meta, context.Message.Decision, ScalingActions.ScaleOut, context.Message.From, context.Message.To,
            context.Message.Subnets, [], context.CancellationToken);

    public Task Consume(ConsumeContext<ScaleInDecidedV1> context) =>
        PlanAsync(context.Message.Meta, context.Message.Decision, ScalingActions.ScaleIn, context.Message.From, context.Message.To,
            [], context.Message.CanisterIds, context.CancellationToken);

    public Task Consume(ConsumeContext<ShardSplitDecidedV1> context) =>
        PlanAsync(context.Message.Meta, context.Message.Decision, ScalingActions.ShardSplit, context.Message.FromShards, context.Message.ToShards,
            context.Message.Subnets, [], context.CancellationToken);

    // A replacement keeps the count: From and To are the service's count when it runs (checked against the release's).
    public Task Consume(ConsumeContext<ReplicaReplacedV1> context) =>
        PlanAsync(context.Message.Meta, context.Message.Decision, ScalingActions.Replace, -1, -1,
            [context.Message.Subnet], [context.Message.OldCanisterId], context.CancellationToken);

    private async Task PlanAsync(EventMetadata meta, ScalingDecision d, string action, int from, int to,
        IReadOnlyList<string> subnets, IReadOnlyList<string> canisterIds, CancellationToken ct)
    {
        if (d is null || string.IsNullOrWhiteSpace(d.Environment) || string.IsNullOrWhiteSpace(d.Service) || d.DecisionId == Guid.Empty)
        {
            LogIgnored(meta?.EventId ?? Guid.Empty, "no decision id, environment or service");
            return;
        }
        EnvironmentState? env;
        await using (var query = store.QuerySession())
        {
            if (await query.Events.FetchStreamStateAsync(Streams.Release(d.DecisionId), ct) is not null)
                return; // planned already: a redelivery
            env = await query.Events.AggregateStreamAsync<EnvironmentState>(Streams.Environment(d.Environment), token: ct);
        }
        if (env is null || env.Deleted || env.Namespace != d.Namespace)
        {
            LogIgnored(meta.EventId, $"{d.Namespace}/{d.Environment} is not an environment of this platform");
            return;
        }
        if (action == ScalingActions.Replace)
            from = to = env.Deployed.TryGetValue(d.Service, out var s) ? ServiceInstances.Of(s).Count : 0;

        var step = new ScalingStep(d.DecisionId, d.Service, action, from, to, [.. subnets ?? []], [.. canisterIds ?? []],
            d.Signals ?? new Dictionary<string, double>(), d.Reason ?? "");
        var actor = new Actor(meta.Actor is { Length: > 0 } who && who != "anonymous" ? who : "system:scaler");
        try
        {
            await using var session = store.Session(actor);
            session.Events.StartStream(Streams.Release(d.DecisionId),
                new ScalingReleasePlanned(d.DecisionId, env.Namespace, env.Name, step, actor.Name, DateTimeOffset.UtcNow,
                    env.Deployed.GetValueOrDefault(d.Service) is { } service ? new ReleaseServicePlan(d.Service, action, service.Module, service.Selector, service.Digest, service.ModuleHash, service.ModuleHash) : null));
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException)
        {
            return; // planned by a concurrent delivery of the same decision
        }
        LogPlanned(d.DecisionId, action, env.Name, d.Service);
        runner.Enqueue(d.DecisionId);
    }

    [LoggerMessage(EventId = 1341, Level = LogLevel.Information, Message = "scaling release {ReleaseId} planned: {Action} of {Environment}/{Service}")]
    private partial void LogPlanned(Guid releaseId, string action, string environment, string service);

    [LoggerMessage(EventId = 1342, Level = LogLevel.Warning, Message = "ignored scaling decision {EventId}: {Why}")]
    private partial void LogIgnored(Guid eventId, string why);
}

/// <summary>A scaling release's plan as the contract the audit log and other services read.</summary>
internal static class ScalingContracts
{
    public static ReleasePlannedV1 Planned(EventMetadata meta, ScalingReleasePlanned x) =>
        new(meta, x.Namespace, x.Environment, x.ReleaseId, false, false,
            [x.Module ?? new ReleaseServicePlan(x.Step.Service, x.Step.Action, "", "", "", "", null)]);
}
