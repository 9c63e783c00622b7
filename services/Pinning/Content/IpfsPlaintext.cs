using Platform.Ipfs;
using Platform.Pinning.Encryption;
using Platform.Pinning.Keys;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;

namespace Platform.Pinning.Content;

/// <summary>
/// A pinned blob's plaintext read back from IPFS: the copy as it is for a public pin, the ciphertext decrypted
/// chunk by chunk for an encrypted one. The digest is not checked here: callers hash what they read (the pinner,
/// the internal endpoint), so this stays a plain stream.
/// </summary>
internal sealed class IpfsPlaintext(KuboClient ipfs, KeyStore keys)
{
    /// <returns>The plaintext (dispose it), or null when the blob has no CID or the node does not have it.</returns>
    public Task<Stream?> OpenAsync(BlobRecord record, CancellationToken ct) => OpenAsync(record.Digest, record.Cid, record.IpfsMode, ct);

    /// <summary>The same for any content pinned by digest (a manifest: <see cref="ManifestPin"/>).</summary>
    public async Task<Stream?> OpenAsync(string digest, string? cid, string? mode, CancellationToken ct)
    {
        if (cid is null)
            return null;
        if (mode != PinModes.Encrypted)
            return await ipfs.CatAsync(cid, ct);

        var key = await keys.FindAsync(digest, ct)
                  ?? throw new InvalidOperationException($"{digest} is pinned encrypted but has no data key in schema pinning");
        var ciphertext = await ipfs.CatAsync(cid, ct);
        return ciphertext is null ? null : new AeadDecryptingStream(ciphertext, key.DataKey);
    }
}
