using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.IntegrationTests.EndToEnd;

/// <summary>
/// A minimal HTTPS proxy (HTTP CONNECT) on 127.0.0.1 that tunnels the named host:port pairs to local ports and
/// refuses everything else with 403. It lets the Docker daemon reach a loopback TLS listener under a name that
/// does not resolve: docker treats every address in 127.0.0.0/8 as an insecure registry and then skips
/// certificate verification, but a name it cannot resolve is a secure registry (certificates checked, CA from
/// /etc/docker/certs.d/NAME:PORT), reached through its HTTPS_PROXY.
/// </summary>
public sealed class ConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IReadOnlyDictionary<string, int> _routes;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _connections = [];
    private readonly Task _accepting;

    /// <summary>The CONNECT targets tunnelled so far, in order.</summary>
    public ConcurrentQueue<string> Tunnelled { get; } = new();

    public ConnectProxy(int port, IReadOnlyDictionary<string, int> routes)
    {
        _routes = routes;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _connections.Add(client);
                _ = HandleAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    private async Task HandleAsync(TcpClient client)
    {
        try
        {
            var downstream = client.GetStream();
            var head = await ReadHeadAsync(downstream);
            var parts = head.Split("\r\n")[0].Split(' ');
            if (parts is not ["CONNECT", var target, ..] || !_routes.TryGetValue(target, out var port))
            {
                await downstream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
                return;
            }
            Tunnelled.Enqueue(target);
            var upstream = new TcpClient();
            _connections.Add(upstream);
            await upstream.ConnectAsync(IPAddress.Loopback, port);
            await downstream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray());
            await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException) { }
        finally
        {
            client.Dispose();
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (head.Length > 8192 || await stream.ReadAsync(one) == 0)
                throw new InvalidOperationException("no complete request head");
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        foreach (var connection in _connections)
            connection.Dispose();
        _stop.Dispose();
    }
}
