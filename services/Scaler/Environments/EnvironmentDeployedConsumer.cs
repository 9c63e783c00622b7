using Marten;
using MassTransit;
using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.Scaler.Environments;

/// <summary>Deploy's reports of environments as they are released (see <see cref="EnvironmentReports"/>).</summary>
internal sealed partial class EnvironmentDeployedConsumer(IDocumentStore store, EnvironmentLocks locks, ScalerOptions policy,
    ILogger<EnvironmentDeployedConsumer> logger)
    : IConsumer<EnvironmentDeployedV1>
{
    public async Task Consume(ConsumeContext<EnvironmentDeployedV1> context)
    {
        var m = context.Message;
        if (string.IsNullOrWhiteSpace(m.Namespace) || string.IsNullOrWhiteSpace(m.Environment))
        {
            LogIgnored(m.Meta.EventId, "no namespace or environment");
            return;
        }
        await EnvironmentReports.ApplyAsync(store, locks, policy, m, context.CancellationToken);
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "ignored EnvironmentDeployedV1 {EventId}: {Why}")]
    private partial void LogIgnored(Guid eventId, string why);
}
