namespace Platform.Registry.Events;

/// <summary>
/// The bytes of manifest <paramref name="Digest"/> (an image manifest or an index, whichever repositories hold it)
/// are added and pinned on IPFS as <paramref name="Cid"/> by Pinning, in <paramref name="Mode"/> (<see cref="PinModes"/>)
/// like a blob; <paramref name="KeyId"/> names the namespace whose key wraps its data key when encrypted. Stream
/// "manifest:&lt;digest&gt;": one per digest, as for blobs, since the same bytes are the same content everywhere.
/// </summary>
public sealed record ManifestPinned(string Digest, string Cid, long Size, string Mode, string? KeyId = null);

/// <summary>The manifest's IPFS pin was removed: no repository holds it any more, or its namespaces have IPFS off.</summary>
public sealed record ManifestUnpinned(string Digest, string Cid);
