namespace Platform.Gateway.Console.Components.Shared;

/// <summary>Media types as people say them ("OCI image index"), with the exact type kept in a title.</summary>
internal static class MediaTypes
{
    public static string Describe(string? mediaType) => mediaType switch
    {
        "application/vnd.oci.image.index.v1+json" => "OCI image index",
        "application/vnd.oci.image.manifest.v1+json" => "OCI image manifest",
        "application/vnd.docker.distribution.manifest.list.v2+json" => "Docker manifest list",
        "application/vnd.docker.distribution.manifest.v2+json" => "Docker image manifest",
        "application/vnd.oci.image.config.v1+json" or "application/vnd.docker.container.image.v1+json" => "image config",
        "application/vnd.oci.empty.v1+json" => "empty",
        { } t when t.Contains("tar", StringComparison.Ordinal) => t.Contains("gzip", StringComparison.Ordinal) ? "layer (tar+gzip)"
            : t.Contains("zstd", StringComparison.Ordinal) ? "layer (tar+zstd)" : "layer (tar)",
        { Length: > 0 } t => t,
        _ => "unknown",
    };
}
