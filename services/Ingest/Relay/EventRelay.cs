using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;

namespace Platform.Ingest.Relay;

/// <summary>
/// The event store is the outbox. This Marten subscription reads committed events in order and publishes their
/// integration contracts to RabbitMQ; Marten checkpoints how far it got in PostgreSQL only after a page is
/// published. If RabbitMQ is down the publish throws, the page is retried (the daemon backs off), and nothing is
/// lost: pushes keep succeeding because they only ever write to PostgreSQL. Delivery is at-least-once; the
/// MessageId is the event id, so consumers de-duplicate on it.
/// </summary>
public sealed class EventRelay(IBus bus, ILogger<EventRelay> logger) : SubscriptionBase
{
    public const string Name = "rabbitmq-relay";
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken ct)
    {
        foreach (var e in page.Events)
        {
            if (IntegrationEvents.From(e) is not { } message)
                continue;
            // A broker that is down makes Publish wait for it: bound the wait so the page fails, the daemon pauses
            // the subscription and retries it from the last checkpoint.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(PublishTimeout);
            await bus.Publish(message, message.GetType(), context => context.MessageId = e.Id, timeout.Token);
        }
        if (page.Events.Count > 0)
            logger.LogDebug("relayed events up to sequence {Sequence}", page.SequenceCeiling);
        return NullChangeListener.Instance;
    }
}
