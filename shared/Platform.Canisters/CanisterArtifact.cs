namespace Platform.Canisters;

/// <summary>
/// The canister module artifact on the OCI content plane: an image manifest of <see cref="ArtifactType"/> whose
/// config is a <see cref="CanisterConfig"/> and whose one layer is the module, plain or gzip-compressed.
/// </summary>
public static class CanisterArtifact
{
    public const string ArtifactType = "application/vnd.platform.canister.v1";
    public const string ConfigMediaType = "application/vnd.platform.canister.config.v1+json";
    public const string WasmMediaType = "application/wasm";
    public const string GzipWasmMediaType = "application/wasm+gzip";

    /// <summary>
    /// The engine's limit on a module (uncompressed, and gzip-compressed as installed), the IC's too: a module the
    /// engine would refuse at install is refused at push.
    /// </summary>
    public const int MaxModuleBytes = 100 * 1024 * 1024;

    public static bool IsModuleMediaType(string mediaType) => mediaType is WasmMediaType or GzipWasmMediaType;
}

/// <summary>The manifest annotations a canister artifact carries, the standard ones where they exist.</summary>
public static class CanisterAnnotations
{
    public const string Revision = "org.opencontainers.image.revision";
    public const string Version = "org.opencontainers.image.version";
    public const string Source = "org.opencontainers.image.source";
    public const string Created = "org.opencontainers.image.created";
    public const string Branch = "dev.platform.canister.branch";
}
