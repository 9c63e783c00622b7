using Marten;
using Platform.Hosting.Concurrency;
using Platform.Ipfs;
using Platform.Pinning.Content;
using Platform.Pinning.Encryption;
using Platform.Pinning.Keys;
using Platform.Pinning.Namespaces;
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
/// Keeps IPFS in line with the registry: every blob some repository links is on the node in the mode its
/// namespaces ask for (<see cref="PinPolicy"/>): as it is, as ciphertext, or not at all; a blob no repository
/// links is unpinned. Each change is an event on the blob's stream (BlobPinned with the mode, BlobUnpinned), so
/// the CID is part of the history, written through the registry's one writer. Every operation is idempotent: it
/// looks at the blob's state first, so a message seen twice, or a reconciliation racing a consumer, changes nothing
/// the second time.
/// </summary>
internal sealed partial class BlobPinner(IDocumentStore store, RegistryWriter writer, KuboClient ipfs, IngestContent ingest,
    PinPolicy policy, KeyStore keys, IpfsPlaintext plaintext, PinMetrics metrics, ILogger<BlobPinner> logger)
{
    public const string Actor = "system:pinning";
    private static readonly KeyedLock<string> Locks = new(StringComparer.Ordinal);
    // Digests a pin is running for in this process, and whether another request came meanwhile. A push brings two
    // events per new blob (stored, and linked to its repository) at the same moment; the second one waiting behind
    // the first held one of the consumer's concurrent slots for nothing, and under a burst of pushes half the slots
    // waited while pins queued. It is not dropped either: what it asks for may differ (a link from a public
    // namespace arriving while the blob is being encrypted), so the running pin decides once more when it is done.
    private static readonly Dictionary<string, bool> Running = new(StringComparer.Ordinal);

    public enum Outcome { AlreadyPinned, Pinned, NoContent, StillLinked, NotPinned, Unpinned, AlreadyRunning, NotLinked, Off }

    /// <param name="verifyNode">Re-check the node even when the blob is recorded as pinned (reconciliation).</param>
    public async Task<Outcome> EnsurePinnedAsync(string digest, PinCause cause, CancellationToken ct, bool verifyNode = false)
    {
        // The running pin does this one's work (again, see Running). If it fails, its own message is retried (and
        // the reconciler catches up), so nothing is lost by not waiting. The reconciler's verifying pass always runs.
        if (!verifyNode)
            lock (Running)
            {
                if (Running.ContainsKey(digest))
                {
                    Running[digest] = true;
                    return Outcome.AlreadyRunning;
                }
                Running[digest] = false;
            }
        if (verifyNode)
            return await PinAsync(digest, cause, ct, verifyNode);
        try
        {
            while (true)
            {
                var outcome = await PinAsync(digest, cause, ct, verifyNode);
                lock (Running)
                {
                    if (!Running[digest])
                        return outcome;
                    Running[digest] = false;
                }
            }
        }
        finally
        {
            lock (Running)
                Running.Remove(digest);
        }
    }

    private Task<Outcome> PinAsync(string digest, PinCause cause, CancellationToken ct, bool verifyNode) =>
        metrics.TrackAsync(digest, () => PinOnceAsync(digest, cause, ct, verifyNode), ct);

    private async Task<Outcome> PinOnceAsync(string digest, PinCause cause, CancellationToken ct, bool verifyNode)
    {
        using var held = await Locks.AcquireAsync(digest, ct);
        var record = await LoadAsync(digest, ct);
        // A blob garbage collection deleted has no bytes to pin, and a late event about it must not pin its old CID.
        if (record is null or { Deleted: true })
            return Outcome.NoContent;
        // Pins follow links: the link's own event (or the reconciler) pins a blob once a repository links it.
        if (await policy.WantedAsync(digest, ct) is not { } wanted)
            return Outcome.NotLinked;

        if (wanted.Mode == IpfsMode.Off)
        {
            if (record is not { Pinned: true, Cid: { } pinnedCid })
                return Outcome.Off;
            await ipfs.PinRmAsync(pinnedCid, ct);
            await writer.RecordUnpinnedAsync(digest, pinnedCid, cause.Who, ct);
            LogOff(digest, pinnedCid);
            return Outcome.Unpinned;
        }

        // The recorded CID serves only if it is in the wanted mode: a public copy is no use for a namespace that
        // became private, and the other way round.
        var sameMode = record.Cid is not null && IpfsModes.OfRecord(record.IpfsMode) == wanted.Mode;
        if (sameMode && record.Pinned && !verifyNode)
            return Outcome.AlreadyPinned;

        // Known CID (pinned before, or the node lost its pin): pinning by CID is enough when the node still has
        // the blocks, and costs no transfer.
        if (sameMode && await ipfs.PinAddAsync(record.Cid!, ct, TimeSpan.FromSeconds(10)))
        {
            if (!record.Pinned)
                await writer.RecordPinnedAsync(digest, record.Cid!, record.Size, wanted.Mode.Name(), record.KeyId, cause.Who, ct);
            return record.Pinned ? Outcome.AlreadyPinned : Outcome.Pinned;
        }

        if (!Digest.TryParse(digest, out var parsed, out _))
            throw new InvalidOperationException($"blob record with an invalid digest: {digest}");
        await using var source = await OpenPlaintextAsync(record, ct);
        if (source is null)
        {
            LogNoContent(digest);
            return Outcome.NoContent;
        }

        IpfsAddResult added;
        string? keyId = null;
        await using (var bytes = new HashingReadStream(source, parsed.HashAlgorithm))
        {
            if (wanted.Mode == IpfsMode.Encrypted)
            {
                // The blob's data key is created once and kept: the same key and nonce prefix give the same
                // ciphertext, so a re-pin after the node lost the blocks finds the recorded CID again.
                var key = await keys.GetOrCreateAsync(digest, wanted.KeyNamespace!, ct);
                keyId = key.Namespace;
                await using var encrypted = new AeadEncryptingStream(bytes, key.DataKey, key.NoncePrefix, leaveOpen: true);
                added = await ipfs.AddAsync(encrypted, parsed.Encoded, pin: true, ct);
            }
            else
                added = await ipfs.AddAsync(bytes, parsed.Encoded, pin: true, ct);

            // What went into IPFS must be the blob: the digest is checked on the bytes as they were streamed.
            if (bytes.BytesRead != record.Size || bytes.HexDigest() != parsed.Encoded)
            {
                await ipfs.PinRmAsync(added.Cid, ct);
                throw new InvalidDataException(
                    $"bytes read for {digest} do not match it ({bytes.BytesRead} of {record.Size} bytes, sha {bytes.HexDigest()})");
            }
        }

        // The copy in the other mode is no longer wanted here, and goes before the new one is recorded: once the
        // record names the new CID, nothing would find the old one again, and a crash in between must not leave a
        // plain copy of now-private content pinned for good. (A crash before this line leaves the old CID recorded,
        // so the reconciler comes back here; the new copy is the same bytes then.) What the network fetched of a
        // public copy while it was public cannot be called back: see the README's threat model.
        if (record is { Pinned: true, Cid: { } previous } && previous != added.Cid)
            await ipfs.PinRmAsync(previous, ct);
        await writer.RecordPinnedAsync(digest, added.Cid, record.Size, wanted.Mode.Name(), keyId, cause.Who, ct);
        LogPinned(digest, added.Cid, wanted.Mode.Name());
        return Outcome.Pinned;
    }

    // The local copy from Ingest; when Ingest has lost it, the IPFS copy itself (decrypted when it is encrypted), so
    // a mode change still works for a blob whose only copy is on the node.
    private async Task<Stream?> OpenPlaintextAsync(BlobRecord record, CancellationToken ct)
    {
        var response = await ingest.OpenAsync(record.Digest, ct);
        if (response is not null)
            return new ResponseBodyStream(await response.Content.ReadAsStreamAsync(ct), response);
        return await plaintext.OpenAsync(record, ct);
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

    /// <summary>Decides again for every blob a namespace's repositories link (its setting changed).</summary>
    public Task<int> ReevaluateNamespaceAsync(string ns, PinCause cause, CancellationToken ct) =>
        NamespaceReevaluation.RunAsync(store, ns, r => r.Blobs.Keys, digest => EnsurePinnedAsync(digest, cause, ct), ct);

    private async Task<BlobRecord?> LoadAsync(string digest, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<BlobRecord>(StreamKeys.Blob(digest), ct);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "pinned {Digest} as {Cid} ({Mode})")]
    private partial void LogPinned(string digest, string cid, string mode);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "unpinned {Digest} ({Cid}): no repository links it")]
    private partial void LogUnpinned(string digest, string cid);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "blob {Digest} has no local copy to pin and IPFS does not have it")]
    private partial void LogNoContent(string digest);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "unpinned {Digest} ({Cid}): its namespaces have IPFS off")]
    private partial void LogOff(string digest, string cid);
}
