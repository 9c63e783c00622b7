using System.Security.Cryptography;
using Marten;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Pinning.Content;

/// <summary>
/// GET /internal/v1/blobs/{digest}: a pinned blob's plaintext from its IPFS copy, decrypted (when encrypted) and
/// verified while it streams, for Ingest to serve a blob whose local file is gone. The keys never leave Pinning;
/// only plaintext of a verified digest does. Not routed by the gateway (it routes nothing under /internal), like
/// Ingest's endpoint of the same path. Bytes go out only after their chunk's tag verified; if the whole does not
/// hash to the digest, the response is aborted before it completes, so no client takes it for the blob.
/// </summary>
internal static partial class PlaintextEndpoints
{
    public const string Path = "/internal/v1/blobs/{digest}";

    /// <summary>A pinned manifest's plaintext, for Metadata to serve a manifest whose record is lost.</summary>
    public const string ManifestPath = "/internal/v1/manifests/{digest}";

    public static IEndpointRouteBuilder MapPlaintextContent(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ServeAsync);
        app.MapGet(ManifestPath, ServeManifestAsync);
        return app;
    }

    private static async Task ServeAsync(string digest, HttpContext http, IDocumentStore store, IpfsPlaintext plaintext, ILoggerFactory loggers)
    {
        var ct = http.RequestAborted;
        if (!Digest.TryParse(digest, out var parsed, out var error))
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid digest", detail: error).ExecuteAsync(http);
            return;
        }
        BlobRecord? record;
        await using (var query = store.QuerySession())
            record = await query.LoadAsync<BlobRecord>(StreamKeys.Blob(parsed.ToString()), ct);
        if (record?.Cid is null)
        {
            await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "blob never pinned", detail: parsed.ToString()).ExecuteAsync(http);
            return;
        }

        var content = await plaintext.OpenAsync(record, ct);
        if (content is null)
        {
            http.Response.Headers.RetryAfter = "10";
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "IPFS does not have the blob now",
                detail: record.Cid).ExecuteAsync(http);
            return;
        }

        var logger = loggers.CreateLogger(typeof(PlaintextEndpoints));
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/octet-stream";
        http.Response.ContentLength = record.Size;
        http.Response.Headers["Docker-Content-Digest"] = parsed.ToString();
        http.Response.Headers["X-Platform-Ipfs-Mode"] = record.IpfsMode ?? PinModes.Public;
        await using (content)
        {
            using var hash = IncrementalHash.CreateHash(parsed.HashAlgorithm);
            var buffer = new byte[1 << 16];
            long sent = 0;
            try
            {
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    sent += read;
                    if (sent > record.Size)
                        break;
                    await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            catch (InvalidDataException e)
            {
                LogUnverifiable(logger, e, record.Cid, record.Digest);
                http.Abort();
                return;
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (sent != record.Size || actual != parsed.Encoded)
            {
                LogCorrupt(logger, record.Cid, record.Digest, sent, actual);
                http.Abort();
            }
        }
    }

    // Manifests are small (4 MiB at most): read whole, verified, then sent, so a bad copy is a clean 502, not a cut body.
    private static async Task<IResult> ServeManifestAsync(string digest, HttpContext http, IDocumentStore store, IpfsPlaintext plaintext, ILoggerFactory loggers)
    {
        var ct = http.RequestAborted;
        if (!Digest.TryParse(digest, out var parsed, out var error))
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid digest", detail: error);
        ManifestPin? pin;
        await using (var query = store.QuerySession())
            pin = await query.LoadAsync<ManifestPin>(StreamKeys.ManifestPin(parsed.ToString()), ct);
        if (pin?.Cid is null)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "manifest never pinned", detail: parsed.ToString());

        var content = await plaintext.OpenAsync(pin.Digest, pin.Cid, pin.IpfsMode, ct);
        if (content is null)
        {
            http.Response.Headers.RetryAfter = "10";
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "IPFS does not have the manifest now", detail: pin.Cid);
        }
        using var bytes = new MemoryStream();
        try
        {
            await using (content)
                await content.CopyToAsync(bytes, ct);
        }
        catch (InvalidDataException e)
        {
            LogUnverifiable(loggers.CreateLogger(typeof(PlaintextEndpoints)), e, pin.Cid, pin.Digest);
            return Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "the IPFS copy does not decrypt", detail: pin.Cid);
        }
        var body = bytes.ToArray();
        if (body.LongLength != pin.Size || Digest.Compute(body, parsed.Algorithm) != parsed)
        {
            LogCorrupt(loggers.CreateLogger(typeof(PlaintextEndpoints)), pin.Cid, pin.Digest, body.LongLength, Digest.Compute(body, parsed.Algorithm).Encoded);
            return Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "the IPFS copy is not the manifest", detail: pin.Cid);
        }
        http.Response.Headers["Docker-Content-Digest"] = parsed.ToString();
        http.Response.Headers["X-Platform-Ipfs-Mode"] = pin.IpfsMode ?? PinModes.Public;
        return Results.Bytes(body, "application/octet-stream");
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Error, Message = "IPFS copy {Cid} of {Digest} does not decrypt: aborting the response")]
    private static partial void LogUnverifiable(ILogger logger, Exception error, string cid, string digest);

    [LoggerMessage(EventId = 51, Level = LogLevel.Error, Message = "IPFS copy {Cid} of {Digest} is corrupt ({Sent} bytes, sha {Actual}): aborting the response")]
    private static partial void LogCorrupt(ILogger logger, string cid, string digest, long sent, string actual);
}
