using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Platform.Engine.Canisters;

namespace Platform.Engine.Outcalls;

/// <summary>Configuration section <c>Engine:Outcalls</c>.</summary>
internal sealed class OutcallOptions
{
    /// <summary>
    /// Hosts canisters may reach: names or IP addresses, "*.example.com" for subdomains. Configuring the list
    /// replaces the default, which is loopback only (localhost, 127.0.0.1, ::1).
    /// </summary>
    public string[]? AllowedHosts { get; set; }

    /// <summary>How long one request may take (the IC's adapter gives up after 30 s).</summary>
    public int TimeoutSeconds { get; set; } = 30;

    public static readonly string[] Loopback = ["localhost", "127.0.0.1", "::1"];
}

/// <summary>
/// Performs outcalls for real, as the IC's HTTPS outcalls adapter does: only to allowed hosts, https (plain http
/// only to loopback, where test servers have no certificate), no redirects followed, headers plus body capped at
/// max_response_bytes while reading. Failures are SYS_TRANSIENT rejects with the adapter's messages.
/// </summary>
internal sealed class OutcallAdapter : IDisposable
{
    private readonly HttpClient _client;
    private readonly string[] _allowed;

    public OutcallAdapter(IOptions<EngineOptions> options) : this(options.Value.Outcalls) { }

    public OutcallAdapter(OutcallOptions options)
    {
        _allowed = options.AllowedHosts is { Length: > 0 } hosts ? hosts : OutcallOptions.Loopback;
        Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds > 0 ? options.TimeoutSeconds : 30);
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ConnectTimeout = Timeout })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }

    public TimeSpan Timeout { get; }

    /// <summary>Loopback only, for instances made without the service's configuration (tests).</summary>
    public static OutcallAdapter LoopbackOnly { get; } = new(new OutcallOptions());

    public bool IsAllowed(Uri uri)
    {
        var host = uri.IdnHost.Trim('[', ']');
        foreach (var entry in _allowed)
        {
            if (entry.StartsWith("*.", StringComparison.Ordinal)
                    ? host.EndsWith(entry[1..], StringComparison.OrdinalIgnoreCase)
                    : string.Equals(host, entry.Trim('[', ']'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Why <paramref name="request"/> cannot be performed here, or null when it can.</summary>
    public CallReject? Refusal(HttpOutcallRequest request)
    {
        var uri = new Uri(request.Url);
        if (!IsAllowed(uri))
        {
            return Transient($"Connecting to {uri.IdnHost} failed: the host is not in this engine's allowed hosts (Engine:Outcalls:AllowedHosts)");
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !IsLoopback(uri)) return Transient("Url need to specify https scheme");
        return null;
    }

    public async Task<OutcallResult> PerformAsync(HttpOutcallRequest request)
    {
        var uri = new Uri(request.Url);
        using var timeout = new CancellationTokenSource(Timeout);
        using var message = new HttpRequestMessage(request.Method switch
        {
            HttpOutcallMethod.Post => HttpMethod.Post,
            HttpOutcallMethod.Head => HttpMethod.Head,
            _ => HttpMethod.Get,
        }, uri);
        if (request.Body is { } body) message.Content = new ByteArrayContent(body);
        foreach (var header in request.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(header.Name, header.Value)) message.Content?.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }
        if (!message.Headers.Contains("User-Agent")) message.Headers.TryAddWithoutValidation("User-Agent", "ic/1.0");
        try
        {
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var headers = response.Headers.Concat(response.Content.Headers)
                .SelectMany(h => h.Value.Select(v => new HttpHeader(h.Key.ToLowerInvariant(), v))).ToList();
            var limit = (long)request.MaxResponseBytes;
            var headerBytes = HttpHeader.SizeOf(headers);
            if (headerBytes > limit) return Failed($"Header size exceeds specified response size limit {limit}");
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            var bodyLimit = limit - headerBytes;
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
            {
                if (buffer.Length + read > bodyLimit) return Failed($"Http body exceeds size limit of {limit} bytes.");
                buffer.Write(chunk, 0, read);
            }
            return new OutcallResult(new HttpOutcallResponse((int)response.StatusCode, headers, buffer.ToArray()), null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Failed($"Timeout expired: {uri.IdnHost} did not answer within {Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException socket ? socket.Message : e.Message;
            return Failed($"Connecting to {uri.IdnHost} failed: {reason}");
        }
    }

    private static CallReject Transient(string message) => new(RejectCode.SysTransient, message, "CanisterHttpRequestFailed");

    private static OutcallResult Failed(string message) => new(null, Transient(message));

    public void Dispose() => _client.Dispose();
}

/// <summary>A server's answer before the transform, or why there is none.</summary>
internal sealed record OutcallResult(HttpOutcallResponse? Response, CallReject? Reject);
