namespace Platform.Contracts;

/// <summary>
/// A namespace's settings as they are now, published by the gateway (which owns namespaces) whenever one is created
/// or updated: always the whole state, never a difference, so a consumer only keeps the latest by
/// <see cref="EventMetadata.OccurredAt"/> and a message seen twice or late changes nothing.
/// </summary>
/// <param name="Namespace">The namespace: the first path segment of repository names.</param>
/// <param name="Public">Whether anyone may pull from it.</param>
/// <param name="IpfsMode">
/// How its blobs go to IPFS: "public" (as they are), "encrypted" (ciphertext only; the platform keeps the keys) or
/// "off" (not at all). Null means the default: "public" for a public namespace, "encrypted" for a private one.
/// </param>
public sealed record NamespaceSettingsChangedV1(EventMetadata Meta, string Namespace, bool Public, string? IpfsMode) : IPlatformEvent;
