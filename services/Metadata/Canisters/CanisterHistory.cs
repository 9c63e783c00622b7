using Marten;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Canisters;

/// <summary>
/// A canister's live versions now (the inline projection, less the manifests deleted since) or as they were at a
/// time: the repository stream's events up to then, folded by the projection's own rules, so time travel and the
/// present can never disagree on what an event means.
/// </summary>
internal sealed class CanisterHistory(IQuerySession query)
{
    /// <summary>The versions that existed (pushed, not deleted) at <paramref name="at"/>, or now; null for no such canister.</summary>
    public async Task<IReadOnlyList<CanisterVersion>?> LiveAsync(string name, DateTimeOffset? at, CancellationToken ct)
    {
        if (at is { } time)
        {
            var events = await query.Events.FetchStreamAsync(StreamKeys.Repository(name), timestamp: time, token: ct);
            var module = new CanisterModule();
            foreach (var e in events)
            {
                switch (e.Data)
                {
                    case CanisterVersionPushed pushed: module.Apply(pushed, e.Timestamp); break;
                    case CanisterVersionCorrupted corrupted: module.Apply(corrupted, e.Timestamp); break;
                    case ManifestDeleted deleted: module.Apply(deleted, e.Timestamp); break;
                }
            }
            var then = module.Versions.Values.Where(v => v.DeletedAt is null).ToList();
            return then.Count == 0 ? null : then;
        }

        var current = await query.LoadAsync<CanisterModule>(name, ct);
        if (current is null)
            return null;
        var repo = await query.LoadAsync<RepositoryState>(StreamKeys.Repository(name), ct);
        var live = current.Versions.Values.Where(v => repo?.Manifests.ContainsKey(v.Digest) == true).ToList();
        return live.Count == 0 ? null : live;
    }
}
