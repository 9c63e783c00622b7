using Marten;
using Platform.Registry.ReadModels;

namespace Platform.Pinning.Pins;

/// <summary>
/// When a namespace's IPFS setting changes, every blob and manifest its repositories hold is decided again: the
/// namespace's repositories (the namespace itself and every name under it) are read once per kind of content, and
/// each digest is put through that kind's pinner.
/// </summary>
internal static class NamespaceReevaluation
{
    /// <returns>How many digests were pinned or unpinned.</returns>
    public static async Task<int> RunAsync(IDocumentStore store, string ns, Func<RepositoryState, IEnumerable<string>> digestsOf,
        Func<string, Task<BlobPinner.Outcome>> ensurePinned, CancellationToken ct)
    {
        var prefix = ns + "/";
        List<string> digests;
        await using (var query = store.QuerySession())
        {
            var repositories = await query.Query<RepositoryState>()
                .Where(r => r.HasContent && (r.Name == ns || r.Name.StartsWith(prefix)))
                .ToListAsync(ct);
            digests = repositories.SelectMany(digestsOf).Distinct(StringComparer.Ordinal).ToList();
        }
        var changed = 0;
        foreach (var digest in digests)
            if (await ensurePinned(digest) is BlobPinner.Outcome.Pinned or BlobPinner.Outcome.Unpinned)
                changed++;
        return changed;
    }
}
