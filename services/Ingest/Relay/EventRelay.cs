using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Platform.Hosting.Messaging;

namespace Platform.Ingest.Relay;

/// <summary>
/// The event store is the outbox. This Marten subscription reads committed events and publishes their integration
/// contracts to RabbitMQ (one exchange per contract; every interested service binds its queue). Marten moves the
/// checkpoint in PostgreSQL only after a page returns, and a page returns only when the broker has confirmed every
/// message of it (see <see cref="BrokerRetry"/>). Delivery is at-least-once (a crash between publish and checkpoint
/// republishes): the MessageId is the event id, and consumers are idempotent.
/// <para>
/// The messages of a page are published concurrently, so their confirms overlap instead of costing one broker round
/// trip each: under a burst of pushes that round trip, not the work, was most of the time from push to pin. The
/// price is order: subscribers may see a page's events in any order. Pinning decides by the blob's current state, so
/// it does not care; the audit log does, and gets its own ordered copy from <see cref="AuditFeedRelay"/>.
/// </para>
/// </summary>
internal sealed partial class EventRelay(RabbitPublisher broker, ILogger<EventRelay> logger) : SubscriptionBase
{
    public const string SubscriptionName = "rabbitmq-relay";
    private const int MaxInFlight = 64;

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken ct)
    {
        var messages = page.Events
            .Select(e => (Event: e, Message: IntegrationEvents.From(e)))
            .Where(x => x.Message is not null);
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = MaxInFlight, CancellationToken = ct },
            (x, token) => new ValueTask(BrokerRetry.UntilAcceptedAsync(
                t => broker.PublishAsync(x.Message!, x.Event.Id, t),
                SubscriptionName, $"event sequence {x.Event.Sequence}", logger, token)));
        if (page.Events.Count > 0)
            LogPublished(page.SequenceCeiling);
        return NullChangeListener.Instance;
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Debug, Message = "published events up to sequence {Sequence}")]
    private partial void LogPublished(long sequence);
}
