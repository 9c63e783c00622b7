using System.Net;
using System.Net.Sockets;

namespace Platform.EngineTests.Outcalls;

/// <summary>A real HTTP server on 127.0.0.1 for outcalls to reach; it answers with <paramref name="respond"/> and
/// keeps what it was sent.</summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerRequest, byte[], (int Status, string Body)> _respond;
    private readonly Task _loop;

    public LoopbackServer(Func<HttpListenerRequest, byte[], (int Status, string Body)> respond)
    {
        _respond = respond;
        Port = UnusedPort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    // Ports handed out in this process: a closed probe's port may be offered again, and tests run in parallel.
    private static readonly HashSet<int> Given = [];

    private static int UnusedPort()
    {
        while (true)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            lock (Given)
                if (Given.Add(port))
                    return port;
        }
    }
    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";
    public List<(string Method, string Path, Dictionary<string, string> Headers, string Body)> Requests { get; } = [];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            lock (Requests)
            {
                Requests.Add((context.Request.HttpMethod, context.Request.Url!.AbsolutePath,
                    context.Request.Headers.AllKeys.ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!), System.Text.Encoding.UTF8.GetString(body.ToArray())));
            }
            var (status, text) = _respond(context.Request, body.ToArray());
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            context.Response.StatusCode = status;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
