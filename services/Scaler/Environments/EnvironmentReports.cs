using Marten;
using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.Scaler.Environments;

/// <summary>
/// Deploy's report of an environment's services replaces what the Scaler knew of it, whether it came as a message or
/// from Deploy's API at catch-up. Idempotent and ordered: the same report twice, or one older than the stored one (by
/// Deploy's sequence), changes nothing. A deleted environment is forgotten (its decisions stay in their streams).
/// Replacements that are done (the old canister is gone from the service) are forgotten too.
/// </summary>
internal static class EnvironmentReports
{
    /// <returns>Whether the report changed what the Scaler knows.</returns>
    public static async Task<bool> ApplyAsync(IDocumentStore store, EnvironmentLocks locks, ScalerOptions policy,
        EnvironmentDeployedV1 m, CancellationToken ct)
    {
        var id = EnvironmentState.IdOf(m.Namespace, m.Environment);
        using var _ = await locks.AcquireAsync(id, ct);
        await using var session = store.LightweightSession();
        var state = await session.LoadAsync<EnvironmentState>(id, ct);
        // A catch-up's report has no event id (it is no message): only its sequence orders it.
        if (state is not null && ((m.Meta.EventId != Guid.Empty && state.LastEventId == m.Meta.EventId) || state.LastSequence > m.Meta.Sequence))
            return false;
        if (m.Deleted)
        {
            session.Delete<EnvironmentState>(id);
            await session.SaveChangesAsync(ct);
            return true;
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
            {
                foreach (var done in memory.Replacing.Keys.Where(c => service.Instances.All(i => i.CanisterId != c)).ToList())
                    memory.Replacing.Remove(done);
                memory.Removing.RemoveAll(c => service.Instances.All(i => i.CanisterId != c));
            }
        foreach (var gone in state.Decisions.Keys.Where(n => state.Services.All(s => s.Name != n)).ToList())
            state.Decisions.Remove(gone);
        session.Store(state);
        await session.SaveChangesAsync(ct);
        return true;
    }
}
