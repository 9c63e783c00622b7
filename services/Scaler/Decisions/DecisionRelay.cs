using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Platform.Contracts;
using Platform.Hosting.Messaging;

namespace Platform.Scaler.Decisions;

/// <summary>
/// The Scaler's streams are its outbox: this subscription publishes each committed decision to its contract's
/// exchange (Deploy and anyone else) and sends it to the audit log's queue, one after the other in commit order,
/// each confirmed by the broker before the checkpoint moves. Decisions are a few a minute, so one ordered relay
/// does both (Ingest needs two for its bursts). At-least-once: the message id is the event id, consumers de-duplicate.
/// </summary>
internal sealed class DecisionRelay(RabbitPublisher broker, ILogger<DecisionRelay> logger) : SubscriptionBase
{
    public const string SubscriptionName = "decision-relay";

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken ct)
    {
        foreach (var e in page.Events)
        {
            if (DecisionEvents.From(e) is not { } message)
                continue;
            await BrokerRetry.UntilAcceptedAsync(t => broker.PublishAsync(message, e.Id, t),
                SubscriptionName, $"event sequence {e.Sequence}", logger, ct);
            await BrokerRetry.UntilAcceptedAsync(t => broker.SendAsync(AuditFeed.QueueName, message, e.Id, t),
                SubscriptionName, $"event sequence {e.Sequence} (audit)", logger, ct);
        }
        return NullChangeListener.Instance;
    }
}
