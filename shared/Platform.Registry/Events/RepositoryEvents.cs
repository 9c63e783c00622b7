namespace Platform.Registry.Events;

// One repository is one stream. Blobs are stored once (content-addressed) but exist per repository through
// links: a blob is visible in a repository only while it is linked there.

public sealed record BlobLinked(string Repository, string Digest, long Size, string How);

public sealed record BlobUnlinked(string Repository, string Digest);

/// <summary>
/// A manifest's exact bytes travel in the event: the event store alone can rebuild every read model, and a pull
/// must return the pushed bytes unchanged (their digest is their identity).
/// </summary>
public sealed record ManifestPushed(
    string Repository,
    string Digest,
    string MediaType,
    byte[] Content,
    string? SubjectDigest,
    string? ArtifactType,
    IReadOnlyDictionary<string, string>? Annotations,
    IReadOnlyList<string> Blobs,
    IReadOnlyList<string> Manifests);

public sealed record TagMoved(string Repository, string Tag, string Digest, string? PreviousDigest);

public sealed record TagDeleted(string Repository, string Tag, string Digest);

/// <summary>The manifest is gone from the repository, and so are the tags that pointed at it.</summary>
public sealed record ManifestDeleted(string Repository, string Digest, IReadOnlyList<string> RemovedTags);
