using Platform.Contracts;
using Platform.Hosting.Messaging;

namespace Platform.Gateway.Auth.Auditing;

/// <summary>
/// Sends what <see cref="AccessAudit"/> queued to the audit log's inbox (<see cref="AuditFeed"/>), in order, each
/// one confirmed by the broker before the next. While RabbitMQ is unreachable it keeps retrying the same event and
/// the queue behind it holds the rest (up to its bound). The gateway consumes nothing, so it has no MassTransit bus:
/// <see cref="RabbitPublisher"/> writes the envelope MassTransit's consumer reads.
/// </summary>
internal sealed class AccessAuditSender(AccessAudit audit, RabbitPublisher broker, ILogger<AccessAuditSender> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var e in audit.Reader.ReadAllAsync(stoppingToken))
            await BrokerRetry.UntilAcceptedAsync(ct => broker.SendAsync(AuditFeed.QueueName, e, e.Meta.EventId, ct),
                nameof(AccessAuditSender), $"{e.GetType().Name} {e.Meta.EventId}", logger, stoppingToken);
    }
}
