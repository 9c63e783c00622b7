using Marten;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Manifests;

/// <summary>Manifest GET/HEAD by tag or digest, from the inline projections (so a pull right after a push sees it).</summary>
internal sealed class ManifestReadHandlers(IQuerySession query)
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
        if (manifest is null)
            return OciResults.Error(OciErrorCode.ManifestUnknown, "manifest unknown", new { digest });

        // The stored bytes are served as pushed, never converted: their digest is their identity.
        if (!ContentNegotiation.Accepts(http.Request.Headers.Accept, manifest.MediaType))
            return OciResults.Error(OciErrorCode.ManifestUnknown, "manifest not available in an accepted media type",
                new { mediaType = manifest.MediaType });

        http.Response.Headers["Docker-Content-Digest"] = digest;
        http.Response.Headers.ETag = $"\"{digest}\"";
        return Results.Bytes(manifest.Content, manifest.MediaType);
    }
}
