using Marten;
using Microsoft.Extensions.Options;
using Platform.Ipfs;
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
/// every pinned blob that no repository links is unpinned.
/// </summary>
internal sealed partial class PinReconciler(
    IDocumentStore store, KuboClient ipfs, IServiceScopeFactory scopes, IOptions<PinningOptions> options,
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

        // Which blobs are wanted: the union of what repositories link. One pass over the repositories' documents.
        var linked = new HashSet<string>(StringComparer.Ordinal);
        List<BlobRecord> blobs;
        await using (var query = store.QuerySession())
        {
            var repositories = await query.Query<RepositoryState>().Where(r => r.HasContent).ToListAsync(ct);
            foreach (var repository in repositories)
                linked.UnionWith(repository.Blobs.Keys);
            blobs = [.. await query.Query<BlobRecord>().ToListAsync(ct)];
        }

        int pinned = 0, unpinned = 0;
        using var scope = scopes.CreateScope();
        var pinner = scope.ServiceProvider.GetRequiredService<BlobPinner>();
        foreach (var blob in blobs)
        {
            ct.ThrowIfCancellationRequested();
            var onNode = blob.Cid is { } cid && pins.Contains(cid);
            try
            {
                if (linked.Contains(blob.Digest) && !(blob.Pinned && onNode))
                {
                    if (await pinner.EnsurePinnedAsync(blob.Digest, PinCause.Reconciliation, ct, verifyNode: true) == BlobPinner.Outcome.Pinned)
                        pinned++;
                }
                else if (!linked.Contains(blob.Digest) && blob.Pinned)
                {
                    if (await pinner.UnpinIfUnlinkedAsync(blob.Digest, PinCause.Reconciliation, ct) == BlobPinner.Outcome.Unpinned)
                        unpinned++;
                }
            }
            catch (Exception e) when (e is HttpRequestException or KuboException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                LogBlobFailed(e, blob.Digest);
            }
        }
        return (pinned, unpinned);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "reconciliation pinned {Pinned} and unpinned {Unpinned} blobs")]
    private partial void LogReconciled(int pinned, int unpinned);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "reconciliation failed; trying again in {Interval}")]
    private partial void LogReconcileFailed(Exception error, TimeSpan interval);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "could not reconcile {Digest}")]
    private partial void LogBlobFailed(Exception error, string digest);
}
