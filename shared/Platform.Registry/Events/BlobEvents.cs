namespace Platform.Registry.Events;

/// <summary>The verified bytes of <paramref name="Digest"/> are in the content store (stream "blob:&lt;digest&gt;").</summary>
public sealed record BlobStored(string Digest, long Size);

/// <summary>The bytes of <paramref name="Digest"/> are added and pinned on IPFS as <paramref name="Cid"/> (by Pinning).</summary>
public sealed record BlobPinned(string Digest, string Cid, long Size);

/// <summary>
/// No repository links <paramref name="Digest"/> any more, so its IPFS pin was removed (by Pinning). The bytes stay in
/// the content store until garbage collection takes them.
/// </summary>
public sealed record BlobUnpinned(string Digest, string Cid);
