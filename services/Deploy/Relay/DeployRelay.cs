using JasperFx.Events;
using Platform.Contracts;
using Platform.Hosting.Messaging;

namespace Platform.Deploy.Relay;

/// <summary>Deploy's event store is its outbox: releases, votes, ends and drift go to the bus and the audit log.</summary>
internal sealed class DeployRelay(RabbitPublisher broker, ILogger<DeployRelay> logger) : AuditedRelay(broker, logger, SubscriptionName)
{
    public const string SubscriptionName = "deploy-relay";

    protected override IEnumerable<IPlatformEvent> ContractsOf(IEvent e) => DeployIntegrationEvents.From(e);
}
