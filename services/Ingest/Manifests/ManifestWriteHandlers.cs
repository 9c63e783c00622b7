using Marten;
using Platform.Hosting.Persistence;
using Platform.Registry;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Ingest.Manifests;

/// <summary>Manifest PUT (by tag or by digest) and DELETE: validated, then recorded as repository events.</summary>
public sealed class ManifestWriteHandlers(IDocumentStore store, ContentStore.RepositoryLocks locks)
{
    // PUT /v2/<name>/manifests/<reference>
    public async Task<IResult> PutAsync(string name, string reference, HttpContext http, CancellationToken ct)
    {
        if (!ManifestReference.TryParse(reference, out var parsed, out var badReference))
            return OciResults.Error(badReference!);
        var byDigest = parsed.IsDigest;
        var expected = parsed.Digest;

        if (http.Request.ContentLength > ManifestLimits.MaxBytes)
            return OciResults.PayloadTooLarge($"manifests are limited to {ManifestLimits.MaxBytes} bytes");
        var body = await ReadLimitedAsync(http.Request.Body, ManifestLimits.MaxBytes, ct);
        if (body is null)
            return OciResults.PayloadTooLarge($"manifests are limited to {ManifestLimits.MaxBytes} bytes");

        var digest = expected is { } e ? Digest.Compute(body, e.Algorithm) : Digest.Compute(body);
        if (expected is { } want && digest != want)
            return OciResults.Error(OciErrorCode.DigestInvalid, "the manifest does not match the digest in the URL",
                new { expected = want.ToString(), computed = digest.ToString() });

        if (!ManifestParser.TryParse(body, http.Request.ContentType, out var manifest, out var invalid))
            return OciResults.Error(invalid!);

        var digestText = digest.ToString();
        using var held = await locks.AcquireAsync(name, ct);
        var outcome = await ConcurrencyRetry.RunAsync(async () =>
        {
            await using var session = store.OpenEventSession(http);
            var repo = await session.Events.FetchForWriting<RepositoryState>(StreamKeys.Repository(name), ct);
            var state = repo.Aggregate;

            var missingBlob = manifest.BlobReferences.FirstOrDefault(b => state?.HasBlob(b.Digest) != true);
            if (missingBlob is not null)
                return OciResults.Error(OciErrorCode.ManifestBlobUnknown, "the manifest references a blob unknown to this repository",
                    new { digest = missingBlob.Digest });
            var missingManifest = manifest.ManifestReferences.FirstOrDefault(m => state?.Manifests.ContainsKey(m.Digest) != true);
            if (missingManifest is not null)
                return OciResults.Error(OciErrorCode.ManifestBlobUnknown, "the index references a manifest unknown to this repository",
                    new { digest = missingManifest.Digest });

            if (state?.Manifests.ContainsKey(digestText) != true)
                repo.AppendOne(new ManifestPushed(
                    name, digestText, manifest.MediaType, body, manifest.Subject?.Digest, manifest.ArtifactType,
                    manifest.Annotations, [.. manifest.BlobReferences.Select(b => b.Digest)],
                    [.. manifest.ManifestReferences.Select(m => m.Digest)]));
            if (!byDigest && (state?.Tags.TryGetValue(reference, out var current) != true || current != digestText))
                repo.AppendOne(new TagMoved(name, reference, digestText, state?.Tags.GetValueOrDefault(reference)));

            await session.SaveChangesAsync(ct);
            return (IResult?)null;
        }, ct);
        if (outcome is not null)
            return outcome;

        http.Response.Headers.Location = $"/v2/{name}/manifests/{digestText}";
        http.Response.Headers["Docker-Content-Digest"] = digestText;
        if (manifest.Subject is { } subject)
            http.Response.Headers["OCI-Subject"] = subject.Digest;
        http.Response.Headers.ContentLength = 0;
        return Results.StatusCode(StatusCodes.Status201Created);
    }

    // DELETE /v2/<name>/manifests/<digest|tag>: by digest the manifest (and its tags) goes; by tag only the tag.
    public async Task<IResult> DeleteAsync(string name, string reference, HttpContext http, CancellationToken ct)
    {
        if (!ManifestReference.TryParse(reference, out var parsed, out var badReference))
            return OciResults.Error(badReference!);
        var byDigest = parsed.IsDigest;
        var key = parsed.Digest?.ToString();

        using var held = await locks.AcquireAsync(name, ct);
        var found = await ConcurrencyRetry.RunAsync(async () =>
        {
            await using var session = store.OpenEventSession(http);
            var repo = await session.Events.FetchForWriting<RepositoryState>(StreamKeys.Repository(name), ct);
            var state = repo.Aggregate;
            if (byDigest)
            {
                if (state?.Manifests.ContainsKey(key!) != true)
                    return false;
                var tags = state.Tags.Where(t => t.Value == key).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();
                repo.AppendOne(new ManifestDeleted(name, key!, tags));
            }
            else
            {
                if (state?.Tags.TryGetValue(reference, out var digest) != true)
                    return false;
                repo.AppendOne(new TagDeleted(name, reference, digest!));
            }
            await session.SaveChangesAsync(ct);
            return true;
        }, ct);

        return found
            ? Results.StatusCode(StatusCodes.Status202Accepted)
            : OciResults.Error(OciErrorCode.ManifestUnknown, "manifest unknown", new { reference });
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null if the body is longer (whatever Content-Length said).</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
