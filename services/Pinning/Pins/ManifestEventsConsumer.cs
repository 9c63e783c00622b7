using MassTransit;
using Platform.Contracts;

namespace Platform.Pinning.Pins;

/// <summary>
/// Manifest events in, manifest pins out (<see cref="ManifestPinner"/>): a push pins, a deletion unpins when no
/// repository holds the manifest any more and decides again when one still does. Failures throw and are retried
/// by the bus, like the blob consumer's.
/// </summary>
internal sealed class ManifestEventsConsumer(ManifestPinner pinner) : IConsumer<ManifestPushedV1>, IConsumer<ManifestDeletedV1>
{
    public Task Consume(ConsumeContext<ManifestPushedV1> context) =>
        pinner.EnsurePinnedAsync(context.Message.Digest, Cause(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<ManifestDeletedV1> context) =>
        pinner.EnsurePinnedAsync(context.Message.Digest, Cause(context.Message), context.CancellationToken);

    private static PinCause Cause(IPlatformEvent e) => new(e.Meta.RequestId, e.Meta.EventId);
}
