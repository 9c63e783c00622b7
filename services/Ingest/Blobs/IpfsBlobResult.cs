using System.Security.Cryptography;
using Platform.Ipfs;
using Platform.Registry.Oci;

namespace Platform.Ingest.Blobs;

/// <summary>
/// Serves a blob whose local file is gone from its IPFS copy. The bytes are hashed while they stream to the
/// client; if they do not hash to the digest (or are not as long as the blob), the connection is aborted before
/// the response completes, so no client ever accepts wrong content as the blob. Range requests are answered with
/// the whole blob (allowed by HTTP): only the whole can be verified. <paramref name="open"/> gives the plaintext:
/// the node's copy for a public pin, Pinning's decrypted one for an encrypted pin (see <see cref="PinningContent"/>).
/// </summary>
internal sealed class IpfsBlobResult(Func<CancellationToken, Task<Stream?>> open, string cid, Digest digest, long size, ILogger logger) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        var ct = http.RequestAborted;
        var content = HttpMethods.IsHead(http.Request.Method) ? null : await open(ct);
        if (content is null && !HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.Headers.RetryAfter = "10";
            await OciResults.Error(OciErrorCode.Unavailable, "the blob's local copy is gone and IPFS does not have it now",
                new { digest = digest.ToString(), cid }).ExecuteAsync(http);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/octet-stream";
        http.Response.ContentLength = size;
        http.Response.Headers["Docker-Content-Digest"] = digest.ToString();
        http.Response.Headers.ETag = $"\"{digest}\"";
        if (content is null)
            return;

        await using (content)
        {
            using var hash = IncrementalHash.CreateHash(digest.HashAlgorithm);
            var buffer = new byte[1 << 16];
            long sent = 0;
            int read;
            try
            {
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    sent += read;
                    if (sent > size)
                        break;
                    await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !ct.IsCancellationRequested)
            {
                // Pinning aborts its response when the copy does not decrypt or verify; the client must not take
                // the bytes sent so far for the blob either.
                logger.IpfsCopyBroken(e, cid, digest.ToString());
                http.Abort();
                return;
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (sent != size || actual != digest.Encoded)
            {
                logger.CorruptIpfsCopy(cid, digest.ToString(), sent, actual);
                http.Abort();
            }
        }
    }
}

internal static partial class IpfsBlobLog
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "IPFS copy {Cid} of {Digest} is corrupt ({Sent} bytes, sha {Actual}): aborting the response")]
    public static partial void CorruptIpfsCopy(this ILogger logger, string cid, string digest, long sent, string actual);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "reading the IPFS copy {Cid} of {Digest} broke off: aborting the response")]
    public static partial void IpfsCopyBroken(this ILogger logger, Exception error, string cid, string digest);
}
