using System.Security.Cryptography;
using Marten;
using Platform.Hosting.Security;
using Platform.Ingest.Storage;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;
using Platform.Registry.Writing;

namespace Platform.Ingest.Uploads;

/// <summary>
/// Blob upload sessions: start (or monolithic upload, or cross-repository mount), chunks, status, completion,
/// cancellation. Each session is an event stream; its recorded offset only ever counts fsynced bytes.
/// </summary>
internal sealed class UploadHandlers(
    IDocumentStore store,
    ContentStore content,
    UploadHashes hashes,
    UploadLocks locks,
    RegistryWriter writer,
    UploadMetrics metrics)
{
    // POST /v2/<name>/blobs/uploads/[?digest=][?mount=&from=]
    public async Task<IResult> StartAsync(string name, HttpContext http, CancellationToken ct)
    {
        var query = http.Request.Query;
        if (query.TryGetValue("mount", out var mountValue) && mountValue.ToString() is { Length: > 0 } mount)
        {
            if (!Digest.TryParse(mount, out var mountDigest, out _))
                return OciResults.Error(OciErrorCode.DigestInvalid, "mount digest is invalid", new { digest = mount });
            if (await MountAsync(name, query["from"], mountDigest.ToString(), http, ct))
                return BlobCreated(http, name, mountDigest.ToString());
            // Not mountable (unknown source or blob): the spec says start an ordinary session instead.
        }

        var sessionId = Guid.NewGuid();
        if (query.TryGetValue("digest", out var digestValue))
        {
            if (!Digest.TryParse(digestValue.ToString(), out var digest, out _))
                return OciResults.Error(OciErrorCode.DigestInvalid, "digest is invalid", new { digest = digestValue.ToString() });
            return await MonolithicAsync(name, sessionId, digest, http, ct);
        }

        await writer.StartUploadAsync(sessionId, name, WriteContext.FromRequest(http), ct);
        return Accepted(http, name, sessionId, 0);
    }

    // PATCH /v2/<name>/blobs/uploads/<session>
    public Task<IResult> PatchAsync(string name, string reference, HttpContext http, CancellationToken ct) =>
        WithOpenSessionAsync(name, reference, ct, async upload =>
        {
            if (ValidateChunkRange(http, upload) is { } rangeError)
                return rangeError;
            var result = await AppendChunkAsync(upload, http, ct);
            if (result.Error is { } error)
                return error;
            return Accepted(http, name, upload.SessionId, result.Offset);
        });

    // GET /v2/<name>/blobs/uploads/<session>
    public async Task<IResult> StatusAsync(string name, string reference, HttpContext http, CancellationToken ct)
    {
        if (!Guid.TryParseExact(reference, "N", out var sessionId))
            return UploadUnknown(reference);
        var upload = await LoadOpenAsync(name, sessionId, ct);
        if (upload is null)
            return UploadUnknown(reference);
        // Bytes past the recorded offset are either a request appending right now or what a crash left behind.
        // Only the session's lock tells them apart: with it held, nobody is appending, and the tail is cut so that
        // the Range reported and the bytes kept agree again.
        if (content.UploadFileLength(sessionId) > upload.Offset)
            return await WithOpenSessionAsync(name, reference, ct, fresh =>
            {
                SetUploadHeaders(http, name, sessionId, fresh.Offset);
                return Task.FromResult(Results.NoContent());
            });
        SetUploadHeaders(http, name, sessionId, upload.Offset);
        return Results.NoContent();
    }

    // PUT /v2/<name>/blobs/uploads/<session>?digest=<digest>
    public async Task<IResult> CompleteAsync(string name, string reference, HttpContext http, CancellationToken ct)
    {
        if (!Guid.TryParseExact(reference, "N", out _))
            return UploadUnknown(reference);
        var digestText = http.Request.Query["digest"].ToString();
        if (!Digest.TryParse(digestText, out var digest, out _))
            return OciResults.Error(OciErrorCode.DigestInvalid, "a valid ?digest= is required to complete an upload", new { digest = digestText });

        return await WithOpenSessionAsync(name, reference, ct, async upload =>
        {
            // A final chunk may come with the PUT.
            if (HasBody(http))
            {
                if (ValidateChunkRange(http, upload) is { } rangeError)
                    return rangeError;
                var chunk = await AppendChunkAsync(upload, http, ct);
                if (chunk.Error is { } error)
                    return error;
                upload.Offset = chunk.Offset;
            }

            var computed = await FinishHashAsync(upload.SessionId, upload.Offset, digest, ct);
            if (!string.Equals(computed, digest.ToString(), StringComparison.Ordinal))
                return OciResults.Error(OciErrorCode.DigestInvalid, "the uploaded content does not match the digest",
                    new { expected = digest.ToString(), computed, size = upload.Offset });

            var size = upload.Offset;
            await writer.CompleteUploadAsync(name, upload.SessionId, computed, size,
                () => content.Promote(upload.SessionId, computed, size), WriteContext.FromRequest(http), ct);
            hashes.Forget(upload.SessionId);
            metrics.Completed(size);
            return BlobCreated(http, name, computed);
        });
    }

    // DELETE /v2/<name>/blobs/uploads/<session>
    public Task<IResult> CancelAsync(string name, string reference, HttpContext http, CancellationToken ct) =>
        WithOpenSessionAsync(name, reference, ct, async upload =>
        {
            await writer.CancelUploadAsync(upload.SessionId, name, WriteContext.FromRequest(http), ct);
            hashes.Forget(upload.SessionId);
            content.DeleteUpload(upload.SessionId);
            return Results.NoContent();
        });

    /// <summary>Runs <paramref name="handle"/> holding the session's lock, if the session is open in this repository.</summary>
    private async Task<IResult> WithOpenSessionAsync(string name, string reference, CancellationToken ct,
        Func<UploadSession, Task<IResult>> handle)
    {
        if (!Guid.TryParseExact(reference, "N", out var sessionId))
            return UploadUnknown(reference);
        using var held = await locks.AcquireAsync(sessionId, ct);
        var upload = await LoadOpenAsync(name, sessionId, ct);
        if (upload is null)
            return UploadUnknown(reference);
        // Crash recovery: the file keeps only what the session recorded (see StatusAsync).
        content.TruncateUpload(sessionId, upload.Offset);
        return await handle(upload);
    }

    private async Task<IResult> MonolithicAsync(string name, Guid sessionId, Digest digest, HttpContext http, CancellationToken ct)
    {
        // The whole blob in one request: still a session (started, one chunk, completed) so the history shows it.
        var who = WriteContext.FromRequest(http);
        await writer.StartUploadAsync(sessionId, name, who, ct);
        using var hash = IncrementalHash.CreateHash(digest.HashAlgorithm);
        var result = await content.AppendAsync(sessionId, 0, http.Request.Body, hash, DeclaredLength(http), ct);
        if (result.Interrupted || result.TooLong || (DeclaredLength(http) is { } declared && declared != result.Written))
        {
            await CancelSilentlyAsync(name, sessionId, who);
            return OciResults.Error(OciErrorCode.SizeInvalid, "the body is not as long as its Content-Length");
        }
        var computed = Digest.FromHash(digest.Algorithm, hash).ToString();
        if (computed != digest.ToString())
        {
            await CancelSilentlyAsync(name, sessionId, who);
            return OciResults.Error(OciErrorCode.DigestInvalid, "the uploaded content does not match the digest",
                new { expected = digest.ToString(), computed, size = result.Written });
        }
        await writer.CompleteUploadAsync(name, sessionId, computed, result.Written,
            () => content.Promote(sessionId, computed, result.Written), who, ct, lastChunk: (0, result.Written));
        metrics.Completed(result.Written);
        return BlobCreated(http, name, computed);
    }

    // The client's request is over (or broken): the cancellation is recorded whatever its token says.
    private async Task CancelSilentlyAsync(string name, Guid sessionId, WriteContext who)
    {
        await writer.CancelUploadAsync(sessionId, name, who, CancellationToken.None);
        content.DeleteUpload(sessionId);
    }

    /// <summary>
    /// A mount from <paramref name="from"/> when it has the blob. Without `from` it is an automatic mount, which looks
    /// in the namespaces the gateway names in `mountNamespace` (those the caller may pull, "*" for all; see the
    /// gateway's MountSources), or everywhere where the gateway signs no actors (auth off: every repository may be
    /// pulled by everyone); with auth on and no namespace named, nowhere, because only the gateway knows what the
    /// caller may read.
    /// </summary>
    private async Task<bool> MountAsync(string name, Microsoft.Extensions.Primitives.StringValues from, string digest,
        HttpContext http, CancellationToken ct)
    {
        if (!content.BlobExists(digest))
            return false;
        await using var query = store.QuerySession();
        long? size = null;
        foreach (var source in from)
            if (source is { Length: > 0 } && source != name && RepositoryName.IsValid(source)
                && await query.LoadAsync<RepositoryState>(StreamKeys.Repository(source), ct) is { } repo
                && repo.Blobs.TryGetValue(digest, out var linked))
            {
                size = linked;
                break;
            }
        if (size is null && from.Count == 0)
            size = await FindAutomaticSourceAsync(query, name, digest, http, ct);
        if (size is null)
            return false;
        // False when garbage collection deleted the bytes since the check above: the client uploads them instead.
        return await writer.LinkBlobAsync(name, digest, size.Value, "mount", WriteContext.FromRequest(http), ct);
    }

    // At most this many repositories holding the blob are looked at: the first one the caller may pull from wins.
    private const int AutomaticMountCandidates = 50;

    private static async Task<long?> FindAutomaticSourceAsync(IQuerySession query, string name, string digest,
        HttpContext http, CancellationToken ct)
    {
        var namespaces = http.Request.Query["mountNamespace"].Where(n => n is { Length: > 0 }).Select(n => n!).ToHashSet(StringComparer.Ordinal);
        var authOff = string.IsNullOrEmpty(http.RequestServices.GetRequiredService<IConfiguration>()[GatewayActor.KeySetting]);
        if (namespaces.Count == 0 && !authOff)
            return null;
        var any = namespaces.Count == 0 || namespaces.Contains("*");
        var candidates = await query.Query<RepositoryState>()
            .Where(r => r.Blobs.ContainsKey(digest) && r.Name != name)
            .OrderBy(r => r.Name)
            .Take(any ? 1 : AutomaticMountCandidates)
            .ToListAsync(ct);
        var source = candidates.FirstOrDefault(r => any || namespaces.Contains(RepositoryName.NamespaceOf(r.Name)));
        return source?.Blobs.GetValueOrDefault(digest);
    }

    private async Task<UploadSession?> LoadOpenAsync(string name, Guid sessionId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var upload = await query.LoadAsync<UploadSession>(StreamKeys.Upload(sessionId), ct);
        return upload is { State: UploadState.Open } && upload.Repository == name ? upload : null;
    }

    /// <summary>A chunk must start where the session stands; anything else (a gap, a replay) is 416 with the real range.</summary>
    private static IResult? ValidateChunkRange(HttpContext http, UploadSession upload)
    {
        var header = http.Request.Headers.ContentRange.ToString();
        if (header.Length == 0)
            return null;
        if (!ContentRange.TryParse(header, out var range))
            return OciResults.Error(OciErrorCode.BlobUploadInvalid, "Content-Range is malformed", new { contentRange = header });
        if (range.Start != upload.Offset || (DeclaredLength(http) is { } length && length != range.Length))
        {
            SetUploadHeaders(http, upload.Repository, upload.SessionId, upload.Offset, emptyBody: false);
            return OciResults.RangeNotSatisfiable($"the chunk must start at byte {upload.Offset}");
        }
        return null;
    }

    private async Task<(long Offset, IResult? Error)> AppendChunkAsync(UploadSession upload, HttpContext http, CancellationToken ct)
    {
        var sessionId = upload.SessionId;
        var hash = hashes.Take(sessionId, upload.Offset)
                   ?? await content.RehashAsync(sessionId, upload.Offset, HashAlgorithmName.SHA256, ct);
        var declared = DeclaredLength(http);
        var result = await content.AppendAsync(sessionId, upload.Offset, http.Request.Body, hash, declared, ct);
        if (result.TooLong)
        {
            hash.Dispose();
            return (upload.Offset, OciResults.Error(OciErrorCode.SizeInvalid, "the body is longer than its Content-Length"));
        }

        var newOffset = upload.Offset + result.Written;
        // The bytes are fsynced: record them whatever the request's token says now, or the status would under-report.
        if (result.Written > 0)
            await writer.AcceptChunkAsync(sessionId, upload.Offset, result.Written, WriteContext.FromRequest(http), CancellationToken.None);
        hashes.Put(sessionId, newOffset, hash);
        return (newOffset, null);
    }

    private async Task<string> FinishHashAsync(Guid sessionId, long offset, Digest digest, CancellationToken ct)
    {
        var algorithm = digest.HashAlgorithm;
        var hash = algorithm == HashAlgorithmName.SHA256 ? hashes.Take(sessionId, offset) : null;
        hash ??= await content.RehashAsync(sessionId, offset, algorithm, ct);
        using (hash)
            return Digest.FromHash(digest.Algorithm, hash).ToString();
    }

    private static long? DeclaredLength(HttpContext http) => http.Request.ContentLength;

    private static bool HasBody(HttpContext http) =>
        http.Request.ContentLength is > 0 || (http.Request.ContentLength is null && http.Request.Headers.TransferEncoding.Count > 0);

    private static IResult Accepted(HttpContext http, string name, Guid sessionId, long offset)
    {
        SetUploadHeaders(http, name, sessionId, offset);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static void SetUploadHeaders(HttpContext http, string name, Guid sessionId, long offset, bool emptyBody = true)
    {
        http.Response.Headers.Location = $"/v2/{name}/blobs/uploads/{sessionId:N}";
        http.Response.Headers["Docker-Upload-UUID"] = sessionId.ToString("N");
        http.Response.Headers.Range = ContentRange.FormatUploadRange(offset);
        if (emptyBody)
            http.Response.Headers.ContentLength = 0;
    }

    private static IResult BlobCreated(HttpContext http, string name, string digest)
    {
        http.Response.Headers.Location = $"/v2/{name}/blobs/{digest}";
        http.Response.Headers["Docker-Content-Digest"] = digest;
        http.Response.Headers.ContentLength = 0;
        return Results.StatusCode(StatusCodes.Status201Created);
    }

    private static IResult UploadUnknown(string reference) =>
        OciResults.Error(OciErrorCode.BlobUploadUnknown, "upload session unknown, completed or cancelled", new { session = reference });
}
