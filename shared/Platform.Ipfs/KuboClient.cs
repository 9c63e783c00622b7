using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace Platform.Ipfs;

/// <summary>
/// Typed client for the Kubo RPC API (/api/v0). It uses only documented Kubo commands and options so it works
/// unchanged against Kubo (go-ipfs) and against the js-ipfs dev node in dev/ipfs-node.
/// <para>
/// Every call is a POST: Kubo refuses GET on the RPC API (405) since 0.5, to stop browsers from triggering
/// commands cross-origin. Every read of a CID passes <c>timeout=</c>: a node that lacks the CID searches the
/// network indefinitely (js-ipfs hangs even offline), and a timed-out read is reported here as "not found".
/// </para>
/// </summary>
public sealed class KuboClient
{
    private readonly HttpClient _http;
    private readonly KuboOptions _options;

    public KuboClient(HttpClient http, IOptions<KuboOptions> options)
    {
        _http = http;
        _options = options.Value;
        _http.BaseAddress ??= new Uri(_options.ApiUrl);
    }

    /// <summary>The API base URL this client talks to.</summary>
    public Uri? BaseAddress => _http.BaseAddress;

    /// <summary>
    /// Adds one file as UnixFS with Kubo's defaults for CIDv0 (256 KiB chunks, balanced DAG, no raw leaves), so the
    /// CID is the one any Kubo would compute for the same bytes. The content is streamed to the node, never buffered:
    /// blobs are gigabytes. The stream is read to its end but not disposed.
    /// </summary>
    public async Task<IpfsAddResult> AddAsync(Stream content, string fileName, bool pin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(fileName);

        using var file = new StreamContent(new NonDisposingStream(content), 81920);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        // Set by hand rather than via MultipartFormDataContent.Add(content, name, fileName), which adds an RFC 5987
        // filename*= parameter. Kubo and js-ipfs URL-unescape the plain filename (their own clients escape it).
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = "\"file\"",
            FileName = "\"" + Uri.EscapeDataString(fileName) + "\"",
        };
        using var form = new MultipartFormDataContent();
        form.Add(file);

        // progress=false: one JSON object per added entry instead of a line per chunk.
        var query = $"add?pin={Bool(pin)}&cid-version=0&progress=false";
        using var response = await SendAsync(query, form, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await ReadSuccessBodyAsync("add", response, cancellationToken);
        return KuboResponses.ParseAdd(body, fileName);
    }

    /// <summary>
    /// The content of a UnixFS file, streamed (dispose the returned stream). Null when the node does not have the
    /// CID within <see cref="KuboOptions.ReadTimeout"/>. <paramref name="offset"/> and <paramref name="length"/>
    /// select a byte range (Kubo's cat options of the same names).
    /// </summary>
    public async Task<Stream?> CatAsync(string cid, CancellationToken cancellationToken = default, long? offset = null, long? length = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(cid);
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset));
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));

        var query = new StringBuilder($"cat?arg={Esc(cid)}&timeout={Duration(_options.ReadTimeout)}");
        if (offset is { } o) query.Append("&offset=").Append(o.ToString(CultureInfo.InvariantCulture));
        if (length is { } l) query.Append("&length=").Append(l.ToString(CultureInfo.InvariantCulture));

        // Headers only: the body is the blob and goes to the caller as a stream.
        var response = await SendAsync(query.ToString(), null, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                var error = await ReadErrorAsync("cat", response, cancellationToken);
                if (error.IsNotFound) return null;
                throw error;
            }
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new ResponseBodyStream(stream, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Pins a CID recursively. False when the node could not get the content within <see cref="KuboOptions.PinTimeout"/>
    /// (or <paramref name="timeout"/>).
    /// </summary>
    public async Task<bool> PinAddAsync(string cid, CancellationToken cancellationToken = default, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(cid);
        var query = $"pin/add?arg={Esc(cid)}&recursive=true&timeout={Duration(timeout ?? _options.PinTimeout)}";
        try
        {
            await PostAsync("pin/add", query, cancellationToken);
            return true;
        }
        catch (KuboException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <summary>Whether the CID is pinned recursively (a CID only pinned indirectly, as part of another, is not).</summary>
    public async Task<bool> IsPinnedAsync(string cid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cid);
        var query = $"pin/ls?arg={Esc(cid)}&type=recursive&timeout={Duration(_options.ReadTimeout)}";
        try
        {
            var body = await PostAsync("pin/ls", query, cancellationToken);
            return KuboResponses.ParsePinLs(body).Count > 0;
        }
        // Kubo and js-ipfs both answer 500 "path '<cid>' is not pinned".
        catch (KuboException e) when (e.IsNotPinned)
        {
            return false;
        }
    }

    /// <summary>Removes a recursive pin. Idempotent: a CID that is not pinned is not an error.</summary>
    public async Task PinRmAsync(string cid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cid);
        var query = $"pin/rm?arg={Esc(cid)}&recursive=true&timeout={Duration(_options.ReadTimeout)}";
        try
        {
            await PostAsync("pin/rm", query, cancellationToken);
        }
        catch (KuboException e) when (e.IsNotPinned)
        {
        }
    }

    /// <summary>All pinned CIDs of a type: "recursive" (default), "direct", "indirect" or "all".</summary>
    public async Task<IReadOnlyCollection<string>> ListPinsAsync(string type = "recursive", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        // No timeout=: listing reads only the local pin set, and a big one may legitimately take a while.
        var body = await PostAsync("pin/ls", $"pin/ls?type={Esc(type)}", cancellationToken);
        return KuboResponses.ParsePinLs(body);
    }

    /// <summary>Size in bytes of one raw block, or null when the node does not have it within the read timeout.</summary>
    public async Task<long?> BlockStatSizeAsync(string cid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cid);
        var query = $"block/stat?arg={Esc(cid)}&timeout={Duration(_options.ReadTimeout)}";
        try
        {
            return KuboResponses.ParseBlockStatSize(await PostAsync("block/stat", query, cancellationToken));
        }
        catch (KuboException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>The node's peer id and agent; also the cheapest "is the node up" call.</summary>
    public async Task<IpfsNodeId> IdAsync(CancellationToken cancellationToken = default) =>
        KuboResponses.ParseId(await PostAsync("id", "id", cancellationToken));

    /// <summary>Repository usage. Kubo sends numbers, js-ipfs strings: both are read.</summary>
    public async Task<IpfsRepoStat> RepoStatAsync(CancellationToken cancellationToken = default) =>
        KuboResponses.ParseRepoStat(await PostAsync("repo/stat", "repo/stat", cancellationToken));

    private async Task<string> PostAsync(string endpoint, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(pathAndQuery, null, HttpCompletionOption.ResponseContentRead, cancellationToken);
        return await ReadSuccessBodyAsync(endpoint, response, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(
        string pathAndQuery, HttpContent? content, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        // Relative to BaseAddress so an ApiUrl with a path prefix (behind a proxy) keeps it.
        var baseUri = _http.BaseAddress ?? new Uri(_options.ApiUrl);
        var uri = new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/api/v0/" + pathAndQuery);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        return await _http.SendAsync(request, completion, cancellationToken);
    }

    private static async Task<string> ReadSuccessBodyAsync(string endpoint, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode) throw await ReadErrorAsync(endpoint, response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private static async Task<KuboException> ReadErrorAsync(string endpoint, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return KuboResponses.ParseError(endpoint, response.StatusCode, body);
    }

    private static string Esc(string value) => Uri.EscapeDataString(value);

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>Go duration syntax, which Kubo's timeout option parses (js-ipfs accepts it too), in whole milliseconds.</summary>
    internal static string Duration(TimeSpan value) =>
        Math.Max(1, (long)Math.Ceiling(value.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";

    /// <summary>The caller owns the blob stream; disposing the request content must not close it.</summary>
    private sealed class NonDisposingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
