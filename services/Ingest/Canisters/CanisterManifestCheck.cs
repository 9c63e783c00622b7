using Marten;
using Platform.Canisters;
using Platform.Ingest.Storage;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Ingest.Canisters;

/// <summary>What a canister manifest adds to a push: the version event and the tags its metadata gives.</summary>
internal sealed record CanisterPush(CanisterVersionPushed Version, IReadOnlyList<string> Tags);

/// <summary>
/// The canister artifact's rules on top of the OCI ones, for a manifest whose artifactType (or config media type)
/// says it is a canister module: one module layer that is well-formed WebAssembly after gunzip, within the engine's
/// size limit, hashing to the config's moduleHash; a config naming this repository, with a branch, a commit and an
/// optional tag that make valid OCI tags; annotations that agree with the config. Every refusal is MANIFEST_INVALID
/// with a detail naming the field. Reads the config and the layer from the content store, so it runs before the
/// write (which still checks the blobs are linked here).
/// </summary>
internal sealed class CanisterManifestCheck(ContentStore content, IDocumentStore store)
{
    /// <summary>Far above any service type; the config is read whole into memory.</summary>
    private const int MaxConfigBytes = 1 << 20;

    public static bool Applies(ParsedManifest manifest) =>
        manifest.ArtifactType == CanisterArtifact.ArtifactType
        || manifest.BlobReferences is [{ MediaType: CanisterArtifact.ConfigMediaType }, ..];

    /// <summary>The push's canister version, or the refusal; null and null when the manifest is no canister artifact.</summary>
    public async Task<(CanisterPush? Push, OciError? Refusal)> CheckAsync(string repository, string digest, ParsedManifest manifest,
        string pushedBy, CancellationToken ct)
    {
        if (!Applies(manifest))
            return (null, null);
        if (manifest.MediaType != ManifestMediaTypes.OciManifest)
            return Refuse("mediaType", $"a canister artifact is an OCI image manifest ({ManifestMediaTypes.OciManifest})");
        if (manifest.ArtifactType != CanisterArtifact.ArtifactType)
            return Refuse("artifactType", $"a canister artifact's artifactType is {CanisterArtifact.ArtifactType}");
        var config = manifest.BlobReferences[0];
        if (config.MediaType != CanisterArtifact.ConfigMediaType)
            return Refuse("config.mediaType", $"a canister artifact's config is {CanisterArtifact.ConfigMediaType}");
        if (manifest.BlobReferences.Count != 2)
            return Refuse("layers", "a canister artifact has exactly one layer: the module");
        var layer = manifest.BlobReferences[1];
        if (!CanisterArtifact.IsModuleMediaType(layer.MediaType))
            return Refuse("layers[0].mediaType", $"the module layer is {CanisterArtifact.WasmMediaType} or {CanisterArtifact.GzipWasmMediaType}");
        if (config.Size > MaxConfigBytes)
            return Refuse("config.size", $"the config is limited to {MaxConfigBytes} bytes");
        if (layer.Size > CanisterArtifact.MaxModuleBytes)
            return Refuse("layers[0].size", $"the module is {layer.Size} bytes, over the engine's limit of {CanisterArtifact.MaxModuleBytes}");

        var configPath = content.BlobPath(config.Digest);
        if (!File.Exists(configPath) || !File.Exists(content.BlobPath(layer.Digest)))
        {
            // Blobs this repository does not link: the write refuses them (MANIFEST_BLOB_UNKNOWN). Linked ones whose
            // local file is gone (a lost disk; IPFS has them) cannot be checked here, and an unchecked canister
            // manifest is never stored: retry once they are uploaded again.
            await using var query = store.QuerySession();
            var repo = await query.LoadAsync<RepositoryState>(StreamKeys.Repository(repository), ct);
            if (repo?.HasBlob(config.Digest) != true || repo.HasBlob(layer.Digest) != true)
                return (null, null);
            return (null, new OciError(OciErrorCode.Unavailable, "the config or module is not in the local content store: upload it again",
                new { field = File.Exists(configPath) ? "layers[0]" : "config" }));
        }
        var configBytes = await File.ReadAllBytesAsync(configPath, ct);
        if (!CanisterConfigReader.TryRead(configBytes, out var parsed, out var invalid))
            return Refuse(invalid!.Field, invalid.Message);
        if (parsed.Name != repository)
            return Refuse("config.name", $"the config names '{parsed.Name}', but the module is pushed to '{repository}' (the repository is the module's name)");
        if (AnnotationProblem(manifest.Annotations, parsed) is { } annotation)
            return Refuse(annotation.Field, annotation.Message);

        var module = await StoredModule.ReadAsync(content, layer.Digest, layer.MediaType, ct);
        if (module.Problem is { } problem)
            return Refuse("layers[0]", problem);
        if (!WasmModule.TryRead(module.Wasm, out var wasm, out var notWasm))
            return Refuse("layers[0]", $"the layer is not a well-formed WebAssembly module: {notWasm}");
        if (module.Hash != parsed.ModuleHash)
            return (null, new OciError(OciErrorCode.ManifestInvalid,
                "config.moduleHash: the module's SHA-256 (uncompressed) is not the config's moduleHash",
                new { field = "config.moduleHash", expected = parsed.ModuleHash, computed = module.Hash }));

        var version = new CanisterVersionPushed(repository, digest, parsed.Branch, parsed.Tag, parsed.Commit, parsed.ModuleHash,
            layer.Digest, layer.MediaType, module.Wasm!.LongLength, parsed.Candid ?? wasm.CandidService, parsed.Source, parsed.Built,
            parsed.Builder, pushedBy);
        return (new CanisterPush(version, VersionTags.For(parsed.Branch, parsed.Tag, parsed.Commit)), null);
    }

    // The standard annotations are optional; where a client sets them they say the same as the config.
    private static CanisterInvalid? AnnotationProblem(IReadOnlyDictionary<string, string>? annotations, CanisterConfig config)
    {
        if (annotations is null)
            return null;
        (string Key, string? Expected)[] pairs =
        [
            (CanisterAnnotations.Revision, config.Commit),
            (CanisterAnnotations.Version, config.Tag),
            (CanisterAnnotations.Branch, config.Branch),
            (CanisterAnnotations.Source, config.Source),
        ];
        foreach (var (key, expected) in pairs)
            if (annotations.TryGetValue(key, out var value) && value != expected)
                return new($"annotations.{key}", $"the annotation {key} is '{value}' but the config says '{expected}'");
        return null;
    }

    private static (CanisterPush?, OciError?) Refuse(string field, string message) =>
        (null, new OciError(OciErrorCode.ManifestInvalid, $"{field}: {message}", new { field }));
}
