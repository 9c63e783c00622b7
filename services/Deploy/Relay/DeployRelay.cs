using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Platform.Contracts;
using Platform.Hosting.Messaging;

namespace Platform.Deploy.Relay;

/// <summary>
/// Deploy's event store is its outbox: this subscription publishes the committed events' contracts to their
/// exchanges and sends the same, one at a time and in commit order, to the audit log's queue. Deploy's events are
/// few (a release is a handful), so one ordered subscription does both. At-least-once: message ids are event ids.
/// </summary>
internal sealed class DeployRelay(RabbitPublisher broker, ILogger<DeployRelay> logger) : SubscriptionBase
{
    public const string SubscriptionName = "deploy-relay";

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken ct)
    {
        foreach (var e in page.Events)
        {
            foreach (var message in DeployIntegrationEvents.From(e))
            {
                var id = message.Meta.EventId;
                await BrokerRetry.UntilAcceptedAsync(t => broker.PublishAsync(message, id, t), SubscriptionName, $"event sequence {e.Sequence}", logger, ct);
                await BrokerRetry.UntilAcceptedAsync(t => broker.SendAsync(AuditFeed.QueueName, message, id, t), SubscriptionName, $"event sequence {e.Sequence}", logger, ct);
            }
        }
        return NullChangeListener.Instance;
    }
}
