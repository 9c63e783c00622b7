using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Microsoft.Extensions.Logging;
using Platform.Contracts;

namespace Platform.Hosting.Messaging;

/// <summary>
/// A service's event store as its outbox, for services whose events are few (a release, a scaling decision): one
/// Marten subscription publishes each committed event's contracts to their exchanges and sends the same to the audit
/// log's queue, one after the other in commit order, each confirmed by the broker before the checkpoint moves.
/// At-least-once: the message id is the event id, and consumers de-duplicate on it. (Ingest, with its bursts, runs
/// two relays of its own instead.)
/// </summary>
public abstract class AuditedRelay(RabbitPublisher broker, ILogger logger, string subscriptionName) : SubscriptionBase
{
    /// <summary>The integration events one stored event stands for (none for events that stay inside the service).</summary>
    protected abstract IEnumerable<IPlatformEvent> ContractsOf(IEvent e);

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        foreach (var e in page.Events)
        {
            foreach (var message in ContractsOf(e))
            {
                var id = message.Meta.EventId;
                await BrokerRetry.UntilAcceptedAsync(t => broker.PublishAsync(message, id, t),
                    subscriptionName, $"event sequence {e.Sequence}", logger, cancellationToken);
                await BrokerRetry.UntilAcceptedAsync(t => broker.SendAsync(AuditFeed.QueueName, message, id, t),
                    subscriptionName, $"event sequence {e.Sequence} (audit)", logger, cancellationToken);
            }
        }
        return NullChangeListener.Instance;
    }
}
