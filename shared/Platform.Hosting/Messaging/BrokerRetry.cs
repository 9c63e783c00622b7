using Microsoft.Extensions.Logging;

namespace Platform.Hosting.Messaging;

/// <summary>
/// How a sender that must not lose a message hands it to RabbitMQ: until the broker accepts it, each attempt
/// bounded, then backing off. Ingest's relays wait out a broker outage this way (throwing out of a subscription
/// page would make Marten's daemon stop the subscription; meanwhile their checkpoint stays put, and pushes keep
/// succeeding: they only ever write to PostgreSQL), and so does the gateway's sender of access events.
/// </summary>
public static class BrokerRetry
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <param name="sender">Who sends, for the log.</param>
    /// <param name="message">What is sent, for the log (e.g. "event sequence 42").</param>
    public static async Task UntilAcceptedAsync(Func<CancellationToken, Task> send, string sender, string message,
        ILogger logger, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(AttemptTimeout);
                await send(timeout.Token);
                if (attempt > 1)
                    logger.BrokerResumed(sender, message, attempt);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                if (attempt == 1 || attempt % 10 == 0)
                    logger.BrokerUnavailable(e, sender, message, attempt);
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }
}

internal static partial class BrokerRetryLog
{
    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "{Sender} resumed at {Message} after {Attempts} attempts")]
    public static partial void BrokerResumed(this ILogger logger, string sender, string message, int attempts);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "{Sender} cannot hand over {Message} (attempt {Attempt}); waiting for the broker")]
    public static partial void BrokerUnavailable(this ILogger logger, Exception error, string sender, string message, int attempt);
}
