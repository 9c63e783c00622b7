using System.Collections.Concurrent;
using Marten;
using Platform.Hosting.Concurrency;
using Platform.Ipfs;
using Platform.Pinning.Content;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;
using Platform.Registry.Writing;

namespace Platform.Pinning.Pins;

/// <summary>Why a pin operation ran: the event that asked for it (or the reconciler), for the events it writes.</summary>
internal sealed record PinCause(string? RequestId, Guid? CausationEventId)
{
    public static readonly PinCause Reconciliation = new(null, null);

    public WriteContext Who => WriteContext.System(BlobPinner.Actor, RequestId, CausationEventId);
}

/// <summary>
/// Keeps IPFS in line with the registry: every blob some repository links is added and pinned, and a blob no
/// repository links is unpinned. Each change is an event on the blob's stream (BlobPinned, BlobUnpinned), so the
/// CID is part of the history, written through the registry's one writer. Every operation is idempotent: it looks
/// at the blob's state first, so a message seen twice, or a reconciliation racing a consumer, changes nothing the
/// second time.
/// </summary>
internal sealed partial class BlobPinner(IDocumentStore store, RegistryWriter writer, KuboClient ipfs, IngestContent ingest,
    ILogger<BlobPinner> logger)
{
    public const string Actor = "system:pinning";
    private static readonly KeyedLock<string> Locks = new(StringComparer.Ordinal);
    // Digests a pin is running for in this process. A push brings two events per new blob (stored, and linked to
    // its repository) at the same moment; the second one waiting behind the first held one of the consumer's
    // concurrent slots for nothing, and under a burst of pushes half the slots waited while pins queued.
    private static readonly ConcurrentDictionary<string, byte> Running = new(StringComparer.Ordinal);

    public enum Outcome { AlreadyPinned, Pinned, NoContent, StillLinked, NotPinned, Unpinned, AlreadyRunning }

    /// <param name="verifyNode">Re-check the node even when the blob is recorded as pinned (reconciliation).</param>
    public async Task<Outcome> EnsurePinnedAsync(string digest, PinCause cause, CancellationToken ct, bool verifyNode = false)
    {
        // The running pin does this one's work. If it fails, its own message is retried (and the reconciler
        // catches up), so nothing is lost by not waiting. The reconciler's verifying pass always runs.
        if (!verifyNode && !Running.TryAdd(digest, 0))
            return Outcome.AlreadyRunning;
        try
        {
            return await PinAsync(digest, cause, ct, verifyNode);
        }
        finally
        {
            if (!verifyNode)
                Running.TryRemove(digest, out _);
        }
    }

    private async Task<Outcome> PinAsync(string digest, PinCause cause, CancellationToken ct, bool verifyNode)
    {
        using var held = await Locks.AcquireAsync(digest, ct);
        var record = await LoadAsync(digest, ct);
        if (record is null)
            return Outcome.NoContent;
        if (record is { Pinned: true, Cid: not null } && !verifyNode)
            return Outcome.AlreadyPinned;

        // Known CID (pinned before, or the node lost its pin): pinning by CID is enough when the node still has
        // the blocks, and costs no transfer.
        if (record.Cid is { } knownCid && await ipfs.PinAddAsync(knownCid, ct, TimeSpan.FromSeconds(10)))
        {
            if (!record.Pinned)
                await writer.RecordPinnedAsync(digest, knownCid, record.Size, cause.Who, ct);
            return record.Pinned ? Outcome.AlreadyPinned : Outcome.Pinned;
        }

        if (!Digest.TryParse(digest, out var parsed, out _))
            throw new InvalidOperationException($"blob record with an invalid digest: {digest}");
        using var response = await ingest.OpenAsync(digest, ct);
        if (response is null)
        {
            LogNoContent(digest);
            return Outcome.NoContent;
        }

        IpfsAddResult added;
        await using (var bytes = new HashingReadStream(await response.Content.ReadAsStreamAsync(ct), parsed.HashAlgorithm))
        {
            added = await ipfs.AddAsync(bytes, parsed.Encoded, pin: true, ct);
            // What went into IPFS must be the blob: the digest is checked on the bytes as they were streamed.
            if (bytes.BytesRead != record.Size || bytes.HexDigest() != parsed.Encoded)
            {
                await ipfs.PinRmAsync(added.Cid, ct);
                throw new InvalidDataException(
                    $"bytes read for {digest} do not match it ({bytes.BytesRead} of {record.Size} bytes, sha {bytes.HexDigest()})");
            }
        }

        await writer.RecordPinnedAsync(digest, added.Cid, record.Size, cause.Who, ct);
        LogPinned(digest, added.Cid);
        return Outcome.Pinned;
    }

    /// <summary>Unpins a blob when no repository links it any more (it may have been linked again meanwhile).</summary>
    public async Task<Outcome> UnpinIfUnlinkedAsync(string digest, PinCause cause, CancellationToken ct)
    {
        using var held = await Locks.AcquireAsync(digest, ct);
        await using (var query = store.QuerySession())
        {
            if (await query.Query<RepositoryState>().AnyAsync(r => r.Blobs.ContainsKey(digest), ct))
                return Outcome.StillLinked;
        }
        var record = await LoadAsync(digest, ct);
        if (record is not { Pinned: true, Cid: { } cid })
            return Outcome.NotPinned;
        await ipfs.PinRmAsync(cid, ct);
        await writer.RecordUnpinnedAsync(digest, cid, cause.Who, ct);
        LogUnpinned(digest, cid);
        return Outcome.Unpinned;
    }

    private async Task<BlobRecord?> LoadAsync(string digest, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<BlobRecord>(StreamKeys.Blob(digest), ct);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "pinned {Digest} as {Cid}")]
    private partial void LogPinned(string digest, string cid);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "unpinned {Digest} ({Cid}): no repository links it")]
    private partial void LogUnpinned(string digest, string cid);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "blob {Digest} has no local copy to pin and IPFS does not have it")]
    private partial void LogNoContent(string digest);
}
