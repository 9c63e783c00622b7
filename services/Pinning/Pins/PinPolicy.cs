using Marten;
using Platform.Pinning.Namespaces;
using Platform.Registry.ReadModels;

namespace Platform.Pinning.Pins;

/// <summary>How a blob should be on IPFS, and, when encrypted, whose namespace key wraps its data key.</summary>
internal sealed record PinTarget(IpfsMode Mode, string? KeyNamespace);

/// <summary>
/// Decides a blob's (or a manifest's) mode from the namespaces of the repositories that link (hold) it and their settings
/// (<see cref="IpfsModes.ForShared"/>). Decided afresh on every pin request, so a new link or a changed setting
/// takes effect at the next event or reconciliation, and deciding twice gives the same answer.
/// </summary>
internal sealed class PinPolicy(IDocumentStore store, NamespaceSettings settings)
{
    /// <returns>Null when no repository links the blob.</returns>
    public async Task<PinTarget?> WantedAsync(string digest, CancellationToken ct)
    {
        IReadOnlyList<string> repositories;
        await using (var query = store.QuerySession())
            repositories = await query.Query<RepositoryState>().Where(r => r.Blobs.ContainsKey(digest)).Select(r => r.Name).ToListAsync(ct);
        return await ForRepositoriesAsync(repositories, ct);
    }

    /// <summary>The target for content the given repositories hold (a manifest's); null when there are none.</summary>
    public async Task<PinTarget?> ForRepositoriesAsync(IReadOnlyList<string> repositories, CancellationToken ct)
    {
        if (repositories.Count == 0)
            return null;
        var namespaces = repositories.Select(NamespaceSettings.NamespaceOf).Distinct(StringComparer.Ordinal).ToList();
        return Decide(await settings.ModesAsync(namespaces, ct));
    }

    /// <summary>The rule, given each linking namespace's mode. The key namespace is the first encrypted one by name.</summary>
    public static PinTarget? Decide(IReadOnlyDictionary<string, IpfsMode> linking)
    {
        if (IpfsModes.ForShared(linking.Values) is not { } mode)
            return null;
        var keyNamespace = mode == IpfsMode.Encrypted
            ? linking.Where(l => l.Value == IpfsMode.Encrypted).Select(l => l.Key).Order(StringComparer.Ordinal).First()
            : null;
        return new PinTarget(mode, keyNamespace);
    }
}
