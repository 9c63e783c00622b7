using Marten;
using Microsoft.Extensions.Options;
using Platform.Ipfs;
using Platform.Pinning.Namespaces;
using Platform.Pinning.Pins;
using Platform.Registry.ReadModels;

namespace Platform.Pinning.Reconciliation;

public sealed class PinningOptions
{
    public const string Section = "Pinning";

    /// <summary>How often the registry's blobs are compared with the node's pins.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Blob events handled at once. 16 suits the js-ipfs dev node, which slows each add down as more run at once
    /// (at 32 the lag from push to pin under a burst was no shorter); a Kubo node may take more.
    /// </summary>
    public int ConcurrentPins { get; set; } = 16;
}

/// <summary>
/// The safety net under the event consumers: periodically, every blob some repository links must be pinned on
/// the node (re-pinned if the node lost it, or if its message went to the error queue while IPFS was down), and
/// every pinned blob that no repository links is unpinned. It also applies the namespaces' IPFS modes: a blob
/// pinned in another mode than its namespaces now ask for is pinned again in that one (or unpinned for "off"), so
/// a settings message that went to the error queue is caught up too.
/// </summary>
internal sealed partial class PinReconciler(
    IDocumentStore store, KuboClient ipfs, NamespaceSettings settings, IServiceScopeFactory scopes, IOptions<PinningOptions> options,
    ILogger<PinReconciler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcileInterval);
        do
        {
            try
            {
                var (pinned, unpinned) = await ReconcileOnceAsync(stoppingToken);
                if (pinned + unpinned > 0)
                    LogReconciled(pinned, unpinned);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogReconcileFailed(e, options.Value.ReconcileInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<(int Pinned, int Unpinned)> ReconcileOnceAsync(CancellationToken ct)
    {
        var pins = (await ipfs.ListPinsAsync(cancellationToken: ct)).ToHashSet(StringComparer.Ordinal);

        // Which blobs are wanted, and how: the namespaces of the repositories that link each one, and their modes.
        // One pass over the repositories' documents and one over the namespaces' settings.
        var linking = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var holding = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        List<BlobRecord> blobs;
        List<ManifestPin> manifestPins;
        await using (var query = store.QuerySession())
        {
            var repositories = await query.Query<RepositoryState>().Where(r => r.HasContent).ToListAsync(ct);
            foreach (var repository in repositories)
            {
                var ns = NamespaceSettings.NamespaceOf(repository.Name);
                foreach (var digest in repository.Blobs.Keys)
                    Add(linking, digest, ns);
                foreach (var digest in repository.Manifests.Keys)
                    Add(holding, digest, ns);
            }
            blobs = [.. await query.Query<BlobRecord>().ToListAsync(ct)];
            manifestPins = [.. await query.Query<ManifestPin>().ToListAsync(ct)];
        }
        var modes = await settings.ModesAsync(linking.Values.Concat(holding.Values).SelectMany(n => n).ToHashSet(StringComparer.Ordinal), ct);

        int pinned = 0, unpinned = 0;
        using var scope = scopes.CreateScope();
        var pinner = scope.ServiceProvider.GetRequiredService<BlobPinner>();
        foreach (var blob in blobs)
        {
            ct.ThrowIfCancellationRequested();
            var onNode = blob.Cid is { } cid && pins.Contains(cid);
            IpfsMode? wanted = linking.TryGetValue(blob.Digest, out var namespaces)
                ? IpfsModes.ForShared(namespaces.Select(n => modes[n]))
                : null;
            try
            {
                if (wanted is IpfsMode.Public or IpfsMode.Encrypted
                    && !(blob.Pinned && onNode && IpfsModes.OfRecord(blob.IpfsMode) == wanted))
                {
                    if (await pinner.EnsurePinnedAsync(blob.Digest, PinCause.Reconciliation, ct, verifyNode: true) == BlobPinner.Outcome.Pinned)
                        pinned++;
                }
                else if (wanted is IpfsMode.Off && blob.Pinned)
                {
                    if (await pinner.EnsurePinnedAsync(blob.Digest, PinCause.Reconciliation, ct, verifyNode: true) == BlobPinner.Outcome.Unpinned)
                        unpinned++;
                }
                else if (wanted is null && blob.Pinned)
                {
                    if (await pinner.UnpinIfUnlinkedAsync(blob.Digest, PinCause.Reconciliation, ct) == BlobPinner.Outcome.Unpinned)
                        unpinned++;
                }
            }
            // One blob's failure (its IPFS copy does not decrypt, the node or Ingest is away) must not stop the
            // pass for the blobs after it.
            catch (Exception e) when (e is HttpRequestException or KuboException or IOException or InvalidDataException
                                          or System.Security.Cryptography.CryptographicException or TaskCanceledException
                                      && !ct.IsCancellationRequested)
            {
                LogBlobFailed(e, blob.Digest);
            }
        }
        var (manifestsPinned, manifestsUnpinned) = await ReconcileManifestsAsync(holding, manifestPins, modes, pins,
            scope.ServiceProvider.GetRequiredService<ManifestPinner>(), ct);
        return (pinned + manifestsPinned, unpinned + manifestsUnpinned);
    }

    // The same net under the manifest pins: every manifest a repository holds pinned in its wanted mode and on the
    // node, every pinned one nobody holds (or whose namespaces turned IPFS off) unpinned.
    private async Task<(int Pinned, int Unpinned)> ReconcileManifestsAsync(Dictionary<string, HashSet<string>> holding,
        List<ManifestPin> recorded, IReadOnlyDictionary<string, IpfsMode> modes, HashSet<string> pins, ManifestPinner pinner, CancellationToken ct)
    {
        var byDigest = recorded.ToDictionary(p => p.Digest, StringComparer.Ordinal);
        int pinned = 0, unpinned = 0;
        foreach (var digest in holding.Keys.Concat(byDigest.Where(p => p.Value.Pinned).Select(p => p.Key)).Distinct(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            var pin = byDigest.GetValueOrDefault(digest);
            var onNode = pin?.Cid is { } cid && pins.Contains(cid);
            IpfsMode? wanted = holding.TryGetValue(digest, out var namespaces) ? IpfsModes.ForShared(namespaces.Select(n => modes[n])) : null;
            var inLine = wanted is IpfsMode.Public or IpfsMode.Encrypted
                ? pin is { Pinned: true } && onNode && IpfsModes.OfRecord(pin.IpfsMode) == wanted
                : pin is not { Pinned: true };
            if (inLine)
                continue;
            try
            {
                var outcome = await pinner.EnsurePinnedAsync(digest, PinCause.Reconciliation, ct, verifyNode: true);
                if (outcome == BlobPinner.Outcome.Pinned)
                    pinned++;
                else if (outcome == BlobPinner.Outcome.Unpinned)
                    unpinned++;
            }
            catch (Exception e) when (e is HttpRequestException or KuboException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                LogBlobFailed(e, digest);
            }
        }
        return (pinned, unpinned);
    }

    private static void Add(Dictionary<string, HashSet<string>> map, string digest, string ns)
    {
        if (!map.TryGetValue(digest, out var set))
            map[digest] = set = new HashSet<string>(StringComparer.Ordinal);
        set.Add(ns);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "reconciliation pinned {Pinned} and unpinned {Unpinned} blobs")]
    private partial void LogReconciled(int pinned, int unpinned);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "reconciliation failed; trying again in {Interval}")]
    private partial void LogReconcileFailed(Exception error, TimeSpan interval);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "could not reconcile {Digest}")]
    private partial void LogBlobFailed(Exception error, string digest);
}
