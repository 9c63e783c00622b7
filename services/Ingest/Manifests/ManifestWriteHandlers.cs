using Platform.Ingest.Canisters;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.Writing;

namespace Platform.Ingest.Manifests;

/// <summary>Manifest PUT (by tag or by digest) and DELETE: validated, then recorded as repository events.</summary>
internal sealed class ManifestWriteHandlers(RegistryWriter writer, CanisterManifestCheck canisters, DescriptorSizeCheck sizes)
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
        if (await sizes.CheckAsync(name, manifest, ct) is { } wrongSize)
            return OciResults.Error(wrongSize);

        var digestText = digest.ToString();
        var who = WriteContext.FromRequest(http);
        var (canister, notCanister) = await canisters.CheckAsync(name, digestText, manifest, who.Actor, ct);
        if (notCanister is not null)
            return OciResults.Error(notCanister);

        var pushed = new ManifestPushed(
            name, digestText, manifest.MediaType, body, manifest.Subject?.Digest, manifest.ArtifactType,
            manifest.Annotations, [.. manifest.BlobReferences.Select(b => b.Digest)],
            [.. manifest.ManifestReferences.Select(m => m.Digest)]);
        // A canister version is tagged by its metadata too, whatever reference it was pushed by.
        string[] tags = [.. byDigest ? [] : new[] { reference }, .. canister?.Tags ?? []];
        if (await writer.PutManifestAsync(pushed, tags, canister?.Version, who, ct) is { } refused)
            return OciResults.Error(OciErrorCode.ManifestBlobUnknown, refused.Message, new { digest = refused.Digest });

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

        var who = WriteContext.FromRequest(http);
        var found = byDigest
            ? await writer.DeleteManifestAsync(name, key!, who, ct)
            : await writer.DeleteTagAsync(name, reference, who, ct);

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
