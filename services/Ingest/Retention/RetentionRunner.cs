using Platform.Registry.Oci;
using Marten;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;
using Platform.Registry.Writing;

namespace Platform.Ingest.Retention;

/// <summary>
/// Applies every namespace's rules to its repositories, as the first step of a garbage-collection run (a dry run
/// decides the same and deletes nothing). Each repository is decided by <see cref="RegistryWriter.ApplyRetentionAsync"/>
/// on the state it appends to; what is read here only picks the repositories. The deletions are events with the
/// actor <see cref="RegistryWriter.RetentionActor"/>; the blobs they leave unreferenced are the sweeps' to reclaim
/// once the grace period has passed, like those of any deleted manifest.
/// </summary>
internal sealed partial class RetentionRunner(IDocumentStore store, RetentionStore rules, RegistryWriter writer, ILogger<RetentionRunner> logger)
{
    public async Task<IReadOnlyList<RetentionDeletions>> ApplyAsync(bool dryRun, string? requestId, CancellationToken ct)
    {
        var byNamespace = (await rules.AllAsync(ct)).Where(r => !r.Rules.IsEmpty).ToDictionary(r => r.Namespace, r => r.Rules, StringComparer.Ordinal);
        if (byNamespace.Count == 0)
            return [];
        List<string> repositories;
        await using (var query = store.QuerySession())
            repositories = [.. (await query.Query<RepositoryState>().Where(r => r.HasContent).Select(r => r.Name).ToListAsync(ct)).Order(StringComparer.Ordinal)];

        var who = WriteContext.System(RegistryWriter.RetentionActor, requestId);
        var now = DateTimeOffset.UtcNow;
        var report = new List<RetentionDeletions>();
        foreach (var repository in repositories)
        {
            if (!byNamespace.TryGetValue(RepositoryName.NamespaceOf(repository), out var namespaceRules))
                continue;
            var deletions = await writer.ApplyRetentionAsync(repository, state => RetentionPlan.Decide(state, namespaceRules, now), dryRun, who, ct);
            if (deletions.Tags.Count == 0 && deletions.Manifests.Count == 0)
                continue;
            LogApplied(repository, dryRun, deletions.Tags.Count, deletions.Manifests.Count);
            report.Add(deletions);
        }
        return report;
    }

    /// <summary>A repository's namespace is its first path segment, as the gateway's authorization has it.</summary>
    [LoggerMessage(EventId = 70, Level = LogLevel.Information, Message = "retention in {Repository} (dry run: {DryRun}): {Tags} tags, {Manifests} manifests")]
    private partial void LogApplied(string repository, bool dryRun, int tags, int manifests);
}
