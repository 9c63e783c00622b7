using MassTransit;
using Platform.Contracts;

namespace Platform.Pinning.Pins;

/// <summary>
/// Blob events in, pins out. A stored or linked blob is pinned; an unlinked one is unpinned when nothing links it.
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

    public Task Consume(ConsumeContext<BlobUnlinkedV1> context) =>
        pinner.UnpinIfUnlinkedAsync(context.Message.Digest, Cause(context.Message), context.CancellationToken);

    private static PinCause Cause(IPlatformEvent e) => new(e.Meta.RequestId, e.Meta.EventId);
}
