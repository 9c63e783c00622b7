using Marten;
using MassTransit;
using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.Scaler.Environments;

/// <summary>
/// Deploy's report of an environment's services replaces what the Scaler knew of it. Idempotent and ordered: the
/// same message twice, or one older than the stored one (by Deploy's sequence), changes nothing. A deleted
/// environment is forgotten (its decisions stay in their streams). Replacements that are done (the old canister is
/// gone from the service) are forgotten too.
/// </summary>
internal sealed partial class EnvironmentDeployedConsumer(IDocumentStore store, EnvironmentLocks locks, ScalerOptions policy,
    ILogger<EnvironmentDeployedConsumer> logger)
    : IConsumer<EnvironmentDeployedV1>
{
    public async Task Consume(ConsumeContext<EnvironmentDeployedV1> context)
    {
        var m = context.Message;
        if (string.IsNullOrWhiteSpace(m.Namespace) || string.IsNullOrWhiteSpace(m.Environment))
        {
            LogIgnored(m.Meta.EventId, "no namespace or environment");
            return;
        }
        var id = EnvironmentState.IdOf(m.Namespace, m.Environment);
        using var _ = await locks.AcquireAsync(id, context.CancellationToken);
        await using var session = store.LightweightSession();
        var state = await session.LoadAsync<EnvironmentState>(id, context.CancellationToken);
        if (state is not null && (state.LastEventId == m.Meta.EventId || state.LastSequence > m.Meta.Sequence))
            return;
        if (m.Deleted)
        {
            session.Delete<EnvironmentState>(id);
            await session.SaveChangesAsync(context.CancellationToken);
            return;
        }
        state ??= new EnvironmentState { Id = id, Namespace = m.Namespace, Environment = m.Environment };
        state.ReleaseId = m.ReleaseId;
        state.LastEventId = m.Meta.EventId;
        state.LastSequence = m.Meta.Sequence;
        state.DeployedAt = m.Meta.OccurredAt;
        foreach (var before in state.Services)
        {
            var now = m.Services.FirstOrDefault(x => x.Name == before.Name);
            foreach (var gone in before.Instances.Where(i => now?.Instances.All(x => x.CanisterId != i.CanisterId) ?? true))
                state.Former.Add(new FormerInstance { Service = before.Name, CanisterId = gone.CanisterId, LeftAt = m.Meta.OccurredAt });
        }
        state.Former.RemoveAll(f => f.LeftAt < m.Meta.OccurredAt - policy.LongWindow);
        state.Services = m.Services.ToList();
        foreach (var service in state.Services)
            if (state.Decisions.TryGetValue(service.Name, out var memory))
                foreach (var done in memory.Replacing.Keys.Where(c => service.Instances.All(i => i.CanisterId != c)).ToList())
                    memory.Replacing.Remove(done);
        foreach (var gone in state.Decisions.Keys.Where(n => state.Services.All(s => s.Name != n)).ToList())
            state.Decisions.Remove(gone);
        session.Store(state);
        await session.SaveChangesAsync(context.CancellationToken);
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "ignored EnvironmentDeployedV1 {EventId}: {Why}")]
    private partial void LogIgnored(Guid eventId, string why);
}
