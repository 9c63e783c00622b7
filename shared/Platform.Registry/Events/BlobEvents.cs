namespace Platform.Registry.Events;

/// <summary>The verified bytes of <paramref name="Digest"/> are in the content store (stream "blob:&lt;digest&gt;").</summary>
public sealed record BlobStored(string Digest, long Size);

/// <summary>
/// The bytes of <paramref name="Digest"/> are added and pinned on IPFS as <paramref name="Cid"/> (by Pinning), as
/// they are (<paramref name="Mode"/> "public") or encrypted ("encrypted": the CID names ciphertext, and only Pinning
/// can read it back). <paramref name="KeyId"/> names the namespace whose key wraps the blob's data key (all of its
/// versions: rotation changes the wrapping, not the CID). Events written before modes existed have neither and
/// read as "public", which is what they were.
/// </summary>
public sealed record BlobPinned(string Digest, string Cid, long Size, string? Mode = null, string? KeyId = null);

/// <summary>The IPFS modes a pin is recorded in (<see cref="BlobPinned.Mode"/>).</summary>
public static class PinModes
{
    public const string Public = "public";
    public const string Encrypted = "encrypted";
}

/// <summary>
/// No repository links <paramref name="Digest"/> any more, so its IPFS pin was removed (by Pinning). The bytes stay in
/// the content store until garbage collection takes them.
/// </summary>
public sealed record BlobUnpinned(string Digest, string Cid);
