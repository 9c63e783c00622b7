using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Platform.Hosting.Messaging;
using Platform.Contracts;

namespace Platform.Ingest.Relay;

/// <summary>
/// The audit log's copy of the event store, in commit order. A second subscription, with its own checkpoint, that
/// sends each integration event to the audit log's queue (<see cref="AuditFeed"/>) and waits for the broker's
/// confirm before sending the next: one producer, one queue, one message in flight is what keeps RabbitMQ's order.
/// It is slower than <see cref="EventRelay"/> under bursts, which is why it is separate: the audit log may trail a
/// second behind, pins should not. At-least-once like the relay; the audit log de-duplicates on the event id.
/// </summary>
public sealed class AuditFeedRelay(RabbitPublisher broker, ILogger<AuditFeedRelay> logger) : SubscriptionBase
{
    public const string SubscriptionName = "audit-feed";

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken ct)
    {
        foreach (var e in page.Events)
        {
            if (IntegrationEvents.From(e) is not { } message)
                continue;
            await BrokerRetry.UntilAcceptedAsync(
                t => broker.SendAsync(AuditFeed.QueueName, message, e.Id, t),
                SubscriptionName, $"event sequence {e.Sequence}", logger, ct);
        }
        return NullChangeListener.Instance;
    }
}
