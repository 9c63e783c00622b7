using Marten;
using Platform.Canisters;
using Platform.Ingest.Storage;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Ingest.Canisters;

/// <summary>
/// The canister half of Ingest: the push-time checks (<see cref="CanisterManifestCheck"/>), the module download
/// (GET /api/v1/canisters/{name}/versions/{digest}/wasm, the only canister read that needs the content store; the
/// rest is Metadata's) and the periodic integrity check (<see cref="ModuleIntegrity"/>).
/// </summary>
public static class CanisterModuleEndpoints
{
    public static WebApplicationBuilder AddCanisterModules(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<CanisterOptions>(builder.Configuration.GetSection(CanisterOptions.Section));
        builder.Services.AddSingleton<CanisterManifestCheck>();
        builder.Services.AddSingleton<ModuleIntegrity>();
        builder.Services.AddHostedService(s => s.GetRequiredService<ModuleIntegrity>());
        return builder;
    }

    public static IEndpointRouteBuilder MapCanisterModules(this IEndpointRouteBuilder app)
    {
        app.MapGet(CanisterApiPath.BasePath + "/{**path}", WasmAsync);
        return app;
    }

    /// <summary>
    /// The module as the engine installs it: uncompressed, so its SHA-256 (the IC's module_hash after install) is the
    /// version's moduleHash, which the response's ETag and Platform-Module-Hash carry. The bytes are hashed on the way
    /// out; a version whose bytes no longer match is recorded as corrupted and refused (409), like one already marked.
    /// </summary>
    private static async Task<IResult> WasmAsync(string? path, IQuerySession query, ContentStore content, ModuleIntegrity integrity,
        HttpContext http, CancellationToken ct)
    {
        if (!CanisterApiPath.TryParse(path, out var parsed) || parsed.Kind != CanisterApiKind.Wasm)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "not an endpoint of this service");
        if (!RepositoryName.IsValid(parsed.Name))
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid canister name", detail: $"'{parsed.Name}' is not a valid repository name");
        if (!Digest.TryParse(parsed.Digest, out var digest, out var why))
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid digest", detail: $"'{parsed.Digest}' is not a valid digest: {why}");

        var key = digest.ToString();
        var repo = await query.LoadAsync<RepositoryState>(StreamKeys.Repository(parsed.Name), ct);
        var module = await query.LoadAsync<CanisterModule>(parsed.Name, ct);
        if (repo?.Manifests.ContainsKey(key) != true || module?.Versions.GetValueOrDefault(key) is not { } version)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "version not found",
                detail: $"canister '{parsed.Name}' has no version {key}");
        if (version.Corrupted)
            return Corrupted(parsed.Name, version);

        var stored = await StoredModule.ReadAsync(content, version.ModuleDigest, version.ModuleMediaType, ct);
        if (stored.Wasm is null && !File.Exists(content.BlobPath(version.ModuleDigest)))
        {
            http.Response.Headers.RetryAfter = "30";
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "the module's bytes are not available here",
                detail: $"layer {version.ModuleDigest} is not in the content store; pull it with the OCI API, which reads its IPFS copy");
        }
        if (stored.Hash != version.ModuleHash)
        {
            await integrity.RecordAsync(parsed.Name, version, stored, ct);
            return Corrupted(parsed.Name, version);
        }
        http.Response.Headers["Platform-Module-Hash"] = version.ModuleHash;
        http.Response.Headers.ETag = $"\"{version.ModuleHash}\"";
        return Results.Bytes(stored.Wasm!, CanisterArtifact.WasmMediaType);
    }

    private static IResult Corrupted(string name, CanisterVersion version) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "the version's module is corrupted",
            detail: $"the stored module of {name}@{version.Digest} no longer hashes to {version.ModuleHash}; push it again",
            extensions: new Dictionary<string, object?> { ["digest"] = version.Digest, ["moduleHash"] = version.ModuleHash, ["corrupted"] = true });
}
