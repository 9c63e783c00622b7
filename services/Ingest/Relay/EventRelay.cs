using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;

namespace Platform.Ingest.Relay;

/// <summary>
/// The event store is the outbox. This Marten subscription reads committed events in order and publishes their
/// integration contracts to RabbitMQ; Marten moves its checkpoint in PostgreSQL only after a page returns. While
/// RabbitMQ is down the page keeps retrying here (publish is bounded, then backs off), so the checkpoint stays
/// put and nothing is lost; pushes keep succeeding because they only ever write to PostgreSQL. Delivery is
/// at-least-once (a crash between publish and checkpoint republishes): the MessageId is the event id, and
/// consumers de-duplicate on it.
/// </summary>
public sealed class EventRelay(IBus bus, ILogger<EventRelay> logger) : SubscriptionBase
{
    public const string Name = "rabbitmq-relay";
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken ct)
    {
        foreach (var e in page.Events)
        {
            if (IntegrationEvents.From(e) is not { } message)
                continue;
            await PublishUntilAcceptedAsync(message, e.Id, e.Sequence, ct);
        }
        if (page.Events.Count > 0)
            logger.LogDebug("relayed events up to sequence {Sequence}", page.SequenceCeiling);
        return NullChangeListener.Instance;
    }

    // Throwing out of a subscription page makes the daemon stop the subscription after a few tries; a broker
    // outage is not an error of the events, so the relay waits it out instead.
    private async Task PublishUntilAcceptedAsync(object message, Guid eventId, long sequence, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(PublishTimeout);
                await bus.Publish(message, message.GetType(), context => context.MessageId = eventId, timeout.Token);
                if (attempt > 1)
                    logger.LogInformation("relay resumed at event sequence {Sequence} after {Attempts} attempts", sequence, attempt);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                if (attempt == 1 || attempt % 10 == 0)
                    logger.LogWarning(e, "cannot publish event sequence {Sequence} (attempt {Attempt}); the relay waits for the broker", sequence, attempt);
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }
}
