using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Platform.Audit.Webhooks;

internal sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Host names (exact, case-insensitive) webhooks may target besides loopback addresses.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>The wait before the first retry; each next one waits twice as long, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Attempts before a delivery is given up (failed; a redeliver sends it again).</summary>
    public int MaxAttempts { get; set; } = 10;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Where webhooks may send: loopback, or a host named in Webhooks:AllowedHosts; http or https only. A name is not
/// enough (a public name can resolve to an internal address, and DNS can change between the check and the send), so
/// the address is checked where the connection is made (<see cref="ConnectAsync"/>): a loopback address always
/// passes, any other only when the host it was resolved from is allowed.
/// </summary>
internal sealed class WebhookTargets(IOptions<WebhookOptions> options)
{
    /// <returns>Why the URL may not be a target, or null when it may.</returns>
    public async Task<string?> RefusalAsync(string url, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return "the URL must be an absolute http or https URL";
        if (uri.UserInfo.Length > 0)
            return "the URL must not carry credentials; use the secret";
        if (IsAllowedHost(uri.IdnHost))
            return null;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, ct);
        }
        catch (SocketException)
        {
            return $"{uri.IdnHost} does not resolve";
        }
        return addresses.Length > 0 && addresses.All(IPAddress.IsLoopback)
            ? null
            : $"{uri.IdnHost} is neither a loopback address nor in Webhooks:AllowedHosts";
    }

    private bool IsAllowedHost(string host) =>
        options.Value.AllowedHosts.Any(h => string.Equals(h, host, StringComparison.OrdinalIgnoreCase));

    /// <summary>The delivery client's connect step: resolves, checks each address, connects only to an allowed one.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowedHost = IsAllowedHost(host);
        var target = addresses.FirstOrDefault(a => allowedHost || IPAddress.IsLoopback(a))
                     ?? throw new HttpRequestException($"{host} resolves to no address a webhook may reach");
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
