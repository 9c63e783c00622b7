namespace Platform.Registry.Events;

/// <summary>The verified bytes of <paramref name="Digest"/> are in the content store (stream "blob:&lt;digest&gt;").</summary>
public sealed record BlobStored(string Digest, long Size);
