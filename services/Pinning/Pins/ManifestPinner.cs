using Marten;
using Platform.Hosting.Concurrency;
using Platform.Ipfs;
using Platform.Pinning.Encryption;
using Platform.Pinning.Keys;
using Platform.Pinning.Namespaces;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;
using Platform.Registry.Writing;

namespace Platform.Pinning.Pins;

/// <summary>
/// Manifests and indexes on IPFS the way <see cref="BlobPinner"/> keeps blobs there, so an image's whole content
/// lives on the node: pinned in the mode the namespaces of the repositories holding it ask for (public, encrypted or
/// off, <see cref="PinPolicy"/>), unpinned when no repository holds it. Its bytes come from the manifest's record
/// (at most 4 MiB, so in memory), checked against the digest before they go. Idempotent by state, like the blob
/// pins: a message seen twice changes nothing the second time.
/// </summary>
internal sealed partial class ManifestPinner(IDocumentStore store, RegistryWriter writer, KuboClient ipfs, PinPolicy policy,
    KeyStore keys, ILogger<ManifestPinner> logger)
{
    private static readonly KeyedLock<string> Locks = new(StringComparer.Ordinal);

    /// <param name="verifyNode">Re-check the node even when the manifest is recorded as pinned (reconciliation).</param>
    public async Task<BlobPinner.Outcome> EnsurePinnedAsync(string digest, PinCause cause, CancellationToken ct, bool verifyNode = false)
    {
        using var held = await Locks.AcquireAsync(digest, ct);
        List<string> holders;
        ManifestPin? pin;
        ManifestRecord? local;
        await using (var query = store.QuerySession())
        {
            holders = [.. await query.Query<RepositoryState>().Where(r => r.Manifests.ContainsKey(digest)).Select(r => r.Name).ToListAsync(ct)];
            pin = await query.LoadAsync<ManifestPin>(StreamKeys.ManifestPin(digest), ct);
            local = await query.Query<ManifestRecord>().Where(m => m.Digest == digest).FirstOrDefaultAsync(ct);
        }

        var wanted = await policy.ForRepositoriesAsync(holders, ct);
        if (wanted is null || wanted.Mode == IpfsMode.Off)
        {
            if (pin is not { Pinned: true, Cid: { } pinned })
                return wanted is null ? BlobPinner.Outcome.NotLinked : BlobPinner.Outcome.Off;
            await ipfs.PinRmAsync(pinned, ct);
            await writer.RecordManifestUnpinnedAsync(digest, pinned, cause.Who, ct);
            LogUnpinned(digest, pinned, wanted is null ? "no repository holds it" : "its namespaces have IPFS off");
            return BlobPinner.Outcome.Unpinned;
        }
        if (pin is { Pinned: true, Cid: { } recorded } && IpfsModes.OfRecord(pin.IpfsMode) == wanted.Mode
            && (!verifyNode || await ipfs.PinAddAsync(recorded, ct, TimeSpan.FromSeconds(10))))
            return BlobPinner.Outcome.AlreadyPinned;
        if (local is null || !Digest.TryParse(digest, out var parsed, out _) || Digest.Compute(local.Content, parsed.Algorithm) != parsed)
        {
            LogNoContent(digest);
            return BlobPinner.Outcome.NoContent;
        }

        IpfsAddResult added;
        string? keyId = null;
        using (var bytes = new MemoryStream(local.Content, writable: false))
        {
            if (wanted.Mode == IpfsMode.Encrypted)
            {
                // One data key per digest, kept, as for blobs: the same manifest encrypted again is the same CID.
                var key = await keys.GetOrCreateAsync(digest, wanted.KeyNamespace!, ct);
                keyId = key.Namespace;
                await using var encrypted = new AeadEncryptingStream(bytes, key.DataKey, key.NoncePrefix, leaveOpen: true);
                added = await ipfs.AddAsync(encrypted, parsed.Encoded, pin: true, ct);
            }
            else
                added = await ipfs.AddAsync(bytes, parsed.Encoded, pin: true, ct);
        }
        // The copy in the other mode goes before the new one is recorded (see BlobPinner: a private manifest must
        // not stay pinned in plain).
        if (pin is { Pinned: true, Cid: { } previous } && previous != added.Cid)
            await ipfs.PinRmAsync(previous, ct);
        await writer.RecordManifestPinnedAsync(digest, added.Cid, local.Content.LongLength, wanted.Mode.Name(), keyId, cause.Who, ct);
        LogPinned(digest, added.Cid, wanted.Mode.Name());
        return BlobPinner.Outcome.Pinned;
    }

    /// <summary>Decides again for every manifest a namespace's repositories hold (its setting changed).</summary>
    public Task<int> ReevaluateNamespaceAsync(string ns, PinCause cause, CancellationToken ct) =>
        NamespaceReevaluation.RunAsync(store, ns, r => r.Manifests.Keys, digest => EnsurePinnedAsync(digest, cause, ct), ct);

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "pinned manifest {Digest} as {Cid} ({Mode})")]
    private partial void LogPinned(string digest, string cid, string mode);

    [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "unpinned manifest {Digest} ({Cid}): {Why}")]
    private partial void LogUnpinned(string digest, string cid, string why);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "manifest {Digest} has no local record to pin")]
    private partial void LogNoContent(string digest);
}
