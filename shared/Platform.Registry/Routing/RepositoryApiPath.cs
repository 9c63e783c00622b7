namespace Platform.Registry.Routing;

public enum RepositoryApiKind
{
    Repository,
    Blob,
    Tag,
    TagHistory,
}

/// <summary>
/// A path below <c>/api/v1/repositories/</c>: <c>{name}</c>, <c>{name}/blobs/{digest}</c>, <c>{name}/tags/{tag}</c> or
/// <c>{name}/tags/{tag}/history</c>. Names hold slashes, so the path is split from its end: the last "/blobs/" followed
/// by something with a ':' (a digest; no name has one), or a "tags" component followed by a valid tag (and "history").
/// Metadata answers by this split and the gateway authorizes by it.
/// </summary>
public readonly record struct RepositoryApiPath(string Name, RepositoryApiKind Kind, string? Reference = null)
{
    private const string BlobsSegment = "/blobs/";

    public static RepositoryApiPath Parse(string path)
    {
        var split = path.LastIndexOf(BlobsSegment, StringComparison.Ordinal);
        if (split >= 0 && path.AsSpan(split + BlobsSegment.Length).Contains(':'))
            return new(path[..split], RepositoryApiKind.Blob, path[(split + BlobsSegment.Length)..]);
        var parts = path.Split('/');
        if (parts.Length >= 4 && parts[^3] == "tags" && parts[^1] == "history" && Oci.Tag.IsValid(parts[^2]))
            return new(string.Join('/', parts[..^3]), RepositoryApiKind.TagHistory, parts[^2]);
        if (parts.Length >= 3 && parts[^2] == "tags" && Oci.Tag.IsValid(parts[^1]))
            return new(string.Join('/', parts[..^2]), RepositoryApiKind.Tag, parts[^1]);
        return new(path, RepositoryApiKind.Repository);
    }
}
