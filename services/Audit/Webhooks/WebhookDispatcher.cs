using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Platform.Audit.Webhooks;

/// <summary>
/// Sends due deliveries: POST of the CloudEvent with <c>X-Platform-Signature: sha256=&lt;hex HMAC-SHA256 of the body
/// with the webhook's secret&gt;</c>. A 2xx is delivered; anything else (an error status, a refused connection, a
/// timeout) is retried after an exponential back-off kept in the delivery's row, until Webhooks:MaxAttempts.
/// </summary>
internal sealed partial class WebhookDispatcher(WebhookStore store, IHttpClientFactory clients, IOptions<WebhookOptions> options,
    TimeProvider time, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ClientName = "webhooks";
    public const string SignatureHeader = "X-Platform-Signature";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var timer = new PeriodicTimer(o.PollInterval);
        do
        {
            try
            {
                await DispatchDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The database is down: the rows wait, and the next tick tries again.
                LogDispatchFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task DispatchDueAsync(CancellationToken ct)
    {
        var o = options.Value;
        // The lease outlasts one attempt, so a crash mid-send has the delivery taken again, not lost.
        var due = await store.ClaimDueAsync(16, o.RequestTimeout * 3, ct);
        await Task.WhenAll(due.Select(d => SendAsync(d.Delivery, d.Webhook, ct)));
    }

    private async Task SendAsync(WebhookDelivery delivery, Webhook webhook, CancellationToken ct)
    {
        var o = options.Value;
        int? status = null;
        string? error = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
            {
                Content = new StringContent(delivery.Body, Encoding.UTF8, "application/cloudevents+json"),
            };
            request.Headers.TryAddWithoutValidation(SignatureHeader, Signature(webhook.Secret, delivery.Body));
            request.Headers.TryAddWithoutValidation("X-Platform-Delivery", delivery.Id.ToString());
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(o.RequestTimeout);
            using var response = await clients.CreateClient(ClientName).SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                await store.RecordAttemptAsync(delivery.Id, delivered: true, status, null, null, ct);
                return;
            }
            error = $"answered {status}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            error = e.Message;
        }
        var attempts = delivery.Attempts + 1;
        DateTimeOffset? next = attempts >= o.MaxAttempts ? null : time.GetUtcNow() + Backoff(o, attempts);
        LogAttemptFailed(webhook.Url, delivery.Id, attempts, error);
        await store.RecordAttemptAsync(delivery.Id, delivered: false, status, error, next, ct);
    }

    /// <summary>The wait after the <paramref name="attempts"/>th failed attempt: doubling from the initial back-off, capped.</summary>
    public static TimeSpan Backoff(WebhookOptions o, int attempts)
    {
        var factor = Math.Pow(2, Math.Min(attempts - 1, 30));
        var wait = TimeSpan.FromTicks((long)Math.Min(o.InitialBackoff.Ticks * factor, o.MaxBackoff.Ticks));
        return wait;
    }

    public static string Signature(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    [LoggerMessage(EventId = 90, Level = LogLevel.Warning, Message = "webhook delivery to {Url} ({Delivery}) failed, attempt {Attempts}: {Error}")]
    private partial void LogAttemptFailed(string url, Guid delivery, int attempts, string? error);

    [LoggerMessage(EventId = 91, Level = LogLevel.Warning, Message = "webhook dispatch failed; retrying at the next tick")]
    private partial void LogDispatchFailed(Exception error);
}
