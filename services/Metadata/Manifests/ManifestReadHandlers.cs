using Marten;
using Platform.Ipfs;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Manifests;

/// <summary>
/// Manifest GET/HEAD by tag or digest, from the inline projections (so a pull right after a push sees it). A
/// manifest the repository holds whose record is lost is served from its IPFS copy, read through Pinning (which
/// decrypts an encrypted one and verifies the digest), the way Ingest serves a blob whose local file is gone.
/// </summary>
internal sealed class ManifestReadHandlers(IQuerySession query, PinningContent pinning)
{
    public async Task<IResult> GetAsync(string name, string reference, HttpContext http, CancellationToken ct)
    {
        if (!ManifestReference.TryParse(reference, out var parsed, out var invalid))
            // A tag that cannot exist names no manifest: 404, as distribution and the conformance suite answer (a PUT
            // with such a tag stays a 400). A malformed digest is still the client's error to fix.
            return invalid!.Code == OciErrorCode.ManifestInvalid
                ? OciResults.Error(OciErrorCode.ManifestUnknown, "manifest unknown", new { tag = reference })
                : OciResults.Error(invalid);
        string digest;
        if (parsed.Digest is { } d)
            digest = d.ToString();
        else
        {
            var repo = await query.LoadAsync<RepositoryState>(StreamKeys.Repository(name), ct);
            if (repo is null)
                return OciResults.Error(OciErrorCode.NameUnknown, "repository name not known to registry", new { name });
            if (!repo.Tags.TryGetValue(reference, out var tagged))
                return OciResults.Error(OciErrorCode.ManifestUnknown, "manifest unknown", new { tag = reference });
            digest = tagged;
        }

        var manifest = await query.LoadAsync<ManifestRecord>(StreamKeys.Manifest(name, digest), ct);
        string mediaType;
        if (manifest is not null)
            mediaType = manifest.MediaType;
        else if (await query.LoadAsync<RepositoryState>(StreamKeys.Repository(name), ct) is { } held
                 && held.Manifests.TryGetValue(digest, out var summary))
            mediaType = summary.MediaType;
        else
            return OciResults.Error(OciErrorCode.ManifestUnknown, "manifest unknown", new { digest });

        // The stored bytes are served as pushed, never converted: their digest is their identity.
        if (!ContentNegotiation.Accepts(http.Request.Headers.Accept, mediaType))
            return OciResults.Error(OciErrorCode.ManifestUnknown, "manifest not available in an accepted media type",
                new { mediaType });

        var content = manifest?.Content ?? await FromIpfsAsync(digest, ct);
        if (content is null)
        {
            http.Response.Headers.RetryAfter = "10";
            return OciResults.Error(OciErrorCode.Unavailable, "the manifest's record is gone and IPFS does not have it now", new { digest });
        }
        http.Response.Headers["Docker-Content-Digest"] = digest;
        http.Response.Headers.ETag = $"\"{digest}\"";
        return Results.Bytes(content, mediaType);
    }

    // Pinning verified the bytes; they are checked once more here, since they are served as the manifest.
    private async Task<byte[]?> FromIpfsAsync(string digest, CancellationToken ct)
    {
        await using var stream = await pinning.OpenManifestAsync(digest, ct);
        if (stream is null)
            return null;
        using var bytes = new MemoryStream();
        await stream.CopyToAsync(bytes, ct);
        var body = bytes.ToArray();
        return Digest.TryParse(digest, out var parsed, out _) && Digest.Compute(body, parsed.Algorithm) == parsed ? body : null;
    }
}
