using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Platform.IntegrationTests.Audit.Webhooks;

internal sealed record Received(byte[] Body, string? Signature, string? ContentType, JsonElement Event)
{
    public string? Id => Event.GetProperty("id").GetString();
    public string? Type => Event.GetProperty("type").GetString();
    public JsonElement Data => Event.GetProperty("data");
}

/// <summary>A webhook receiver on loopback that keeps what it was sent and answers 204.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    public ConcurrentQueue<Received> Received { get; } = new();
    public string Url { get; }

    private WebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        Url = $"http://127.0.0.1:{port}/hook";
    }

    public static async Task<WebhookReceiver> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, port);
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            receiver.Received.Enqueue(new Received(body, http.Request.Headers["X-Platform-Signature"].ToString(),
                http.Request.ContentType?.Split(';')[0], JsonDocument.Parse(body).RootElement.Clone()));
            return Results.NoContent();
        });
        await app.StartAsync();
        return receiver;
    }

    public async Task<Received> WaitAsync(Func<Received, bool> match)
    {
        Received? found = null;
        await WebhookTests.WaitAsync(() => Task.FromResult((found = Received.FirstOrDefault(match)) is not null), "a matching delivery");
        return found!;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
