namespace Platform.Ingest.Relay;

/// <summary>
/// How the relays hand one message to RabbitMQ: until the broker accepts it. Throwing out of a subscription page
/// makes Marten's daemon stop the subscription after a few tries, and a broker outage is not an error of the
/// events, so a relay waits it out instead (each attempt bounded, then backing off). The checkpoint stays put
/// meanwhile, so nothing is lost and pushes keep succeeding: they only ever write to PostgreSQL.
/// </summary>
internal static class BrokerRetry
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public static async Task UntilAcceptedAsync(Func<CancellationToken, Task> send, string relay, long sequence,
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
                    logger.LogInformation("{Relay} resumed at event sequence {Sequence} after {Attempts} attempts", relay, sequence, attempt);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                if (attempt == 1 || attempt % 10 == 0)
                    logger.LogWarning(e, "{Relay} cannot hand over event sequence {Sequence} (attempt {Attempt}); waiting for the broker",
                        relay, sequence, attempt);
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }
}
