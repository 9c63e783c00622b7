using Marten;
using Platform.Hosting.Content;
using Platform.Ingest.Storage;
using Platform.Ipfs;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;
using Platform.Registry.Writing;

namespace Platform.Ingest.Blobs;

/// <summary>Blob bytes out (GET/HEAD with Range) and blob unlinking (DELETE), always per repository.</summary>
internal sealed class BlobHandlers(IDocumentStore store, ContentStore content, RegistryWriter writer, KuboClient ipfs,
    PinningContent pinning, ILogger<BlobHandlers> logger)
{
    // GET|HEAD /v2/<name>/blobs/<digest>
    public async Task<IResult> GetAsync(string name, string reference, HttpContext http, CancellationToken ct)
    {
        if (!Digest.TryParse(reference, out var digest, out _))
            return OciResults.Error(OciErrorCode.DigestInvalid, "digest is invalid", new { digest = reference });
        var key = digest.ToString();

        // A blob exists in a repository only while it is linked there, even if other repositories share the bytes.
        await using var query = store.QuerySession();
        var repo = await query.LoadAsync<RepositoryState>(StreamKeys.Repository(name), ct);
        var path = content.BlobPath(key);
        if (repo is null || !repo.HasBlob(key))
            return OciResults.Error(OciErrorCode.BlobUnknown, "blob unknown to this repository", new { digest = key });
        if (!File.Exists(path))
        {
            // The local copy is lost (disk replaced, restored from backup...): IPFS has the pinned one. A public copy
            // is read from the node directly (one hop, and Pinning need not be up); an encrypted one only Pinning
            // can read, since the keys never leave it: it decrypts and verifies, and Ingest verifies again.
            var record = await query.LoadAsync<BlobRecord>(StreamKeys.Blob(key), ct);
            if (record?.Cid is not { } cid)
                return OciResults.Error(OciErrorCode.BlobUnknown, "blob content is missing and was never pinned", new { digest = key });
            return record.IpfsMode == PinModes.Encrypted
                ? new IpfsBlobResult(c => pinning.OpenAsync(key, c), cid, digest, record.Size, logger)
                : new IpfsBlobResult(c => ipfs.CatAsync(cid, c), cid, digest, record.Size, logger);
        }

        http.Response.Headers["Docker-Content-Digest"] = key;
        http.Response.Headers.ETag = $"\"{key}\"";
        http.Response.Headers.CacheControl = "max-age=31536000";

        // The gateway reads the content store too: tell it which file to send rather than streaming it through.
        if (HttpMethods.IsGet(http.Request.Method)
            && http.Request.Headers[ContentAcceleration.RequestHeader] == ContentAcceleration.RequestValue)
        {
            http.Response.Headers[ContentAcceleration.PathHeader] = ContentStore.RelativeBlobPath(key);
            http.Response.Headers[ContentAcceleration.LengthHeader] = new FileInfo(path).Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            http.Response.ContentType = "application/octet-stream";
            return Results.Ok();
        }
        // The file result streams from disk and answers Range (206 with Content-Range, or 416) by itself.
        return Results.File(path, "application/octet-stream", enableRangeProcessing: true);
    }

    // DELETE /v2/<name>/blobs/<digest>
    public async Task<IResult> DeleteAsync(string name, string reference, HttpContext http, CancellationToken ct)
    {
        if (!Digest.TryParse(reference, out var digest, out _))
            return OciResults.Error(OciErrorCode.DigestInvalid, "digest is invalid", new { digest = reference });
        var key = digest.ToString();

        var removed = await writer.UnlinkBlobAsync(name, key, WriteContext.FromRequest(http), ct);

        // The bytes stay in the content store: other repositories may link them, and an upload in flight may be
        // about to. Reclaiming unreferenced bytes is garbage collection's job, not a DELETE's.
        return removed
            ? Results.StatusCode(StatusCodes.Status202Accepted)
            : OciResults.Error(OciErrorCode.BlobUnknown, "blob unknown to this repository", new { digest = key });
    }
}
