using MassTransit;
using Platform.Contracts;

namespace Platform.Pinning.Pins;

/// <summary>
/// Blob events in, pins out. A stored or linked blob is pinned in the mode its namespaces ask for; an unlinked one
/// is unpinned when nothing links it, and decided again when something still does.
/// Idempotent by state (see <see cref="BlobPinner"/>), so redelivery is harmless; failures (IPFS or Ingest down)
/// throw and are retried with backoff by the bus, then land in the error queue, and the reconciler catches up.
/// </summary>
internal sealed class BlobEventsConsumer(BlobPinner pinner) :
    IConsumer<BlobStoredV1>, IConsumer<BlobLinkedV1>, IConsumer<BlobUnlinkedV1>
{
    public Task Consume(ConsumeContext<BlobStoredV1> context) =>
        pinner.EnsurePinnedAsync(context.Message.Digest, Cause(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<BlobLinkedV1> context) =>
        pinner.EnsurePinnedAsync(context.Message.Digest, Cause(context.Message), context.CancellationToken);

    public async Task Consume(ConsumeContext<BlobUnlinkedV1> context)
    {
        var cause = Cause(context.Message);
        // Still linked elsewhere: the namespaces left may want another mode (the public one that made a shared
        // blob public is gone), so the pin is decided again.
        if (await pinner.UnpinIfUnlinkedAsync(context.Message.Digest, cause, context.CancellationToken) == BlobPinner.Outcome.StillLinked)
            await pinner.EnsurePinnedAsync(context.Message.Digest, cause, context.CancellationToken);
    }

    private static PinCause Cause(IPlatformEvent e) => new(e.Meta.RequestId, e.Meta.EventId);
}
