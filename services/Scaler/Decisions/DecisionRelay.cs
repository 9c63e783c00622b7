using JasperFx.Events;
using Platform.Contracts;
using Platform.Hosting.Messaging;

namespace Platform.Scaler.Decisions;

/// <summary>The Scaler's streams are its outbox: each decision goes to its contract's exchange (Deploy) and the audit log.</summary>
internal sealed class DecisionRelay(RabbitPublisher broker, ILogger<DecisionRelay> logger) : AuditedRelay(broker, logger, SubscriptionName)
{
    public const string SubscriptionName = "decision-relay";

    protected override IEnumerable<IPlatformEvent> ContractsOf(IEvent e) =>
        DecisionEvents.From(e) is { } message ? [message] : [];
}
