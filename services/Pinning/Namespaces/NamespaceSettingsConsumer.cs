using MassTransit;
using Platform.Contracts;
using Platform.Pinning.Pins;

namespace Platform.Pinning.Namespaces;

/// <summary>
/// Keeps Pinning's copy of the namespaces' IPFS settings and, when a namespace's effective mode changed, decides
/// again for every blob it links (pins, re-pins in the other mode, or unpins). A message seen twice or out of
/// order changes nothing (<see cref="NamespaceSettings.ApplyAsync"/>); should the re-evaluation fail halfway, the
/// setting is stored already and the reconciler finishes it.
/// </summary>
internal sealed partial class NamespaceSettingsConsumer(NamespaceSettings settings, BlobPinner pinner, ILogger<NamespaceSettingsConsumer> logger)
    : IConsumer<NamespaceSettingsChangedV1>
{
    public async Task Consume(ConsumeContext<NamespaceSettingsChangedV1> context)
    {
        var message = context.Message;
        var (before, after) = await settings.ApplyAsync(message, context.CancellationToken);
        if (before == after)
            return;
        LogModeChanged(message.Namespace, before.Name(), after.Name());
        var changed = await pinner.ReevaluateNamespaceAsync(message.Namespace, new PinCause(message.Meta.RequestId, message.Meta.EventId), context.CancellationToken);
        LogReevaluated(message.Namespace, changed);
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "namespace {Namespace}: IPFS mode {Before} -> {After}")]
    private partial void LogModeChanged(string @namespace, string before, string after);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "namespace {Namespace}: {Changed} blobs pinned again or unpinned")]
    private partial void LogReevaluated(string @namespace, int changed);
}
