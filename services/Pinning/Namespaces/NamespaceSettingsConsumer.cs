using MassTransit;
using Platform.Contracts;
using Platform.Pinning.Pins;

namespace Platform.Pinning.Namespaces;

/// <summary>
/// Keeps Pinning's copy of the namespaces' IPFS settings and, when a namespace's effective mode changed, decides
/// again for every blob it links and manifest it holds (pins, re-pins in the other mode, or unpins). A message seen twice or out of
/// order changes nothing (<see cref="NamespaceSettings.ApplyAsync"/>); should the re-evaluation fail halfway, the
/// setting is stored already and the reconciler finishes it.
/// </summary>
internal sealed partial class NamespaceSettingsConsumer(NamespaceSettings settings, BlobPinner pinner, ManifestPinner manifests,
    ILogger<NamespaceSettingsConsumer> logger)
    : IConsumer<NamespaceSettingsChangedV1>
{
    public async Task Consume(ConsumeContext<NamespaceSettingsChangedV1> context)
    {
        var message = context.Message;
        var (before, after) = await settings.ApplyAsync(message, context.CancellationToken);
        if (before == after)
            return;
        LogModeChanged(message.Namespace, before.Name(), after.Name());
        var cause = new PinCause(message.Meta.RequestId, message.Meta.EventId);
        var changed = await pinner.ReevaluateNamespaceAsync(message.Namespace, cause, context.CancellationToken);
        changed += await manifests.ReevaluateNamespaceAsync(message.Namespace, cause, context.CancellationToken);
        LogReevaluated(message.Namespace, changed);
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "namespace {Namespace}: IPFS mode {Before} -> {After}")]
    private partial void LogModeChanged(string @namespace, string before, string after);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "namespace {Namespace}: {Changed} blobs and manifests pinned again or unpinned")]
    private partial void LogReevaluated(string @namespace, int changed);
}
