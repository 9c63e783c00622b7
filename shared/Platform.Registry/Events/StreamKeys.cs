namespace Platform.Registry.Events;

/// <summary>
/// Stream keys of the registry's event store. Each kind gets a prefix with a ':' that no repository name can
/// contain, so "upload:..." can never collide with a repository called "upload/...".
/// </summary>
public static class StreamKeys
{
    public static string Repository(string name) => $"repo:{name}";
    public static string Upload(Guid sessionId) => $"upload:{sessionId:N}";
    public static string Blob(string digest) => $"blob:{digest}";
    public static string GcRun(Guid runId) => $"gc:{runId:N}";

    /// <summary>A manifest's IPFS pin, per digest (<see cref="ManifestPinned"/>).</summary>
    public static string ManifestPin(string digest) => $"manifest:{digest}";

    /// <summary>Document id of one manifest in one repository (manifests are per repository, like tags).</summary>
    public static string Manifest(string repository, string digest) => $"{repository}@{digest}";
}
