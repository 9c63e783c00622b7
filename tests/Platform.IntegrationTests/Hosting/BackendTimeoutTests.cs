using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Hosting;

/// <summary>
/// A backend that accepts the connection and never answers, or answers too late, gets the same 503 + Retry-After as
/// one that is down; a slow upload (a body that takes longer than the timeout to stream) is not cut.
/// </summary>
public sealed class BackendTimeoutTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private WebApplication _slow = null!;
    private string _slowAddress = "";

    public async Task InitializeAsync()
    {
        // Accepts every connection and never reads or writes a byte.
        _silent.Start();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _silent.AcceptSocketAsync(_stop.Token);
                lock (_held)
                    _held.Add(socket);
            }
        });

        // Speaks h2c like the services: reads the whole body and answers with its length, or (under /slow) reads
        // the body and answers only after three timeouts.
        var port = ThrowawayPostgres.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        _slow = builder.Build();
        _slow.Run(async context =>
        {
            long received = 0;
            var buffer = new byte[16384];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                received += read;
            if (context.Request.Path.Value!.Contains("/slow/", StringComparison.Ordinal))
                await Task.Delay(Timeout * 3, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            await context.Response.WriteAsJsonAsync(new { received });
        });
        await _slow.StartAsync();
        _slowAddress = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _silent.Stop();
        lock (_held)
            _held.ForEach(s => s.Dispose());
        await _slow.DisposeAsync();
    }

    private WebApplicationFactory<Platform.Gateway.GatewayService> Gateway(string address) =>
        new WebApplicationFactory<Platform.Gateway.GatewayService>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Auth:Enabled", "false");
            b.UseSetting("Backends:ResponseTimeout", Timeout.ToString());
            GatewayBackends.Point(b, new Dictionary<string, string>
            {
                ["ingest"] = address, ["metadata"] = address, ["audit"] = address,
            });
        });

    private string Silent => $"http://127.0.0.1:{((IPEndPoint)_silent.LocalEndpoint).Port}";

    [Theory]
    [InlineData("POST", "/v2/team/app/blobs/uploads/")]          // Ingest
    [InlineData("GET", "/v2/team/app/manifests/latest")]         // Metadata
    [InlineData("PUT", "/v2/team/app/manifests/latest")]         // Ingest, with a small body
    public async Task A_backend_that_never_answers_gives_503_with_the_oci_error_body(string method, string path)
    {
        await using var gateway = Gateway(Silent);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "PUT")
            request.Content = new StringContent("""{"schemaVersion":2}""", null, "application/vnd.oci.image.manifest.v1+json");
        var clock = Stopwatch.StartNew();

        using var response = await gateway.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("UNAVAILABLE", body.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        // The gateway's own timeout answered: not before it, and long before the proxy's idle timeout.
        Assert.InRange(clock.Elapsed, Timeout * 0.9, TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData("/api/v1/repositories")]                         // Metadata
    [InlineData("/api/v1/audit/verify")]                         // Audit
    public async Task A_platform_api_backend_that_never_answers_gives_503_problem_json(string path)
    {
        await using var gateway = Gateway(Silent);

        using var response = await gateway.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(503, body.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_backend_that_answers_after_the_timeout_gives_503()
    {
        await using var gateway = Gateway(_slowAddress);

        using var response = await gateway.CreateClient().GetAsync("/v2/team/slow/manifests/latest");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task An_upload_body_that_streams_longer_than_the_timeout_is_not_cut()
    {
        await using var gateway = Gateway(_slowAddress);
        const int Pieces = 8;
        const int PieceSize = 64 * 1024;
        using var request = new HttpRequestMessage(HttpMethod.Patch,
            $"/v2/team/app/blobs/uploads/{Guid.NewGuid()}") { Content = new TrickleContent(Pieces, PieceSize, Timeout / 2) };
        var clock = Stopwatch.StartNew();

        using var response = await gateway.CreateClient().SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"got {(int)response.StatusCode}: {text}");
        Assert.True(clock.Elapsed > Timeout * 2, $"the body took only {clock.Elapsed}");
        using var body = JsonDocument.Parse(text);
        Assert.Equal(Pieces * PieceSize, body.RootElement.GetProperty("received").GetInt64());
    }

    /// <summary>A body sent in pieces with a pause before each: a slow client's upload.</summary>
    private sealed class TrickleContent(int pieces, int pieceSize, TimeSpan pause) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var piece = new byte[pieceSize];
            for (var i = 0; i < pieces; i++)
            {
                await Task.Delay(pause);
                await stream.WriteAsync(piece);
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = (long)pieces * pieceSize;
            return true;
        }
    }
}
