using System.Threading.Channels;
using Platform.Contracts;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Authorization;
using Platform.Hosting.Messaging;
using Platform.Hosting.Observability;

namespace Platform.Gateway.Namespaces;

/// <summary>
/// Tells the platform (Pinning) each namespace's settings as <see cref="NamespaceSettingsChangedV1"/>, without ever
/// holding up a request: a create or update drops the new state into a bounded queue and this service hands it to
/// RabbitMQ in order, each message confirmed before the next (<see cref="BrokerRetry"/>: a broker outage is waited
/// out, not skipped).
/// <para>The queue lives in memory, so it is not the record: the namespaces table is. At every start, before the
/// queue, every namespace's current state is published again (what a crash took from the queue, and what a
/// consumer started since never heard), and when the queue was full, everything is published again once it drains.
/// Each message carries the row's settings timestamp as OccurredAt (strictly increasing per namespace), so a
/// republished state never overrides a newer one at the consumer, and one seen twice changes nothing.</para>
/// </summary>
internal sealed class NamespaceSettingsPublisher(IdentityStore store, RabbitPublisher broker, ILogger<NamespaceSettingsPublisher> logger)
    : BackgroundService
{
    public const string SystemActor = "system:gateway";
    private readonly Channel<NamespaceSettingsChangedV1> _queue = Channel.CreateBounded<NamespaceSettingsChangedV1>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private volatile bool _republish;

    /// <summary>Queues the namespace's state after a create or update by the caller of <paramref name="context"/>.</summary>
    public void Changed(RegistryNamespace ns, HttpContext context)
    {
        var agent = context.Request.Headers.UserAgent.ToString();
        var meta = new EventMetadata(Guid.NewGuid(), 0, ns.SettingsChangedAt, context.GetCaller().ActorName, context.ClientAddress(),
            agent.Length > 256 ? agent[..256] : agent.Length == 0 ? null : agent, context.GetRequestId());
        if (_queue.Writer.TryWrite(new NamespaceSettingsChangedV1(meta, ns.Id, ns.Public, ns.IpfsMode)))
            return;
        // Not lost: the table has the state, and all of it goes out again after the queue.
        _republish = true;
        NamespaceLog.SettingsQueueFull(logger, ns.Id);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RepublishAllAsync("start", stoppingToken);
        await foreach (var message in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            await SendAsync(message, stoppingToken);
            if (_republish && _queue.Reader.Count == 0)
            {
                _republish = false;
                await RepublishAllAsync("after a full queue", stoppingToken);
            }
        }
    }

    private async Task RepublishAllAsync(string reason, CancellationToken ct)
    {
        IReadOnlyList<RegistryNamespace> all;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                all = await store.NamespacesAsync(ct);
                break;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                NamespaceLog.SettingsReadFailed(logger, e);
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, backoff.Ticks * 2));
            }
        }
        foreach (var ns in all)
            await SendAsync(Snapshot(ns), ct);
        NamespaceLog.SettingsRepublished(logger, all.Count, reason);
    }

    /// <summary>A namespace's stored state as a message: stamped with when it last changed, not with now.</summary>
    internal static NamespaceSettingsChangedV1 Snapshot(RegistryNamespace ns) =>
        new(new EventMetadata(Guid.NewGuid(), 0, ns.SettingsChangedAt, SystemActor, null, null, null), ns.Id, ns.Public, ns.IpfsMode);

    private Task SendAsync(NamespaceSettingsChangedV1 message, CancellationToken ct) =>
        BrokerRetry.UntilAcceptedAsync(c => broker.PublishAsync(message, message.Meta.EventId, c),
            nameof(NamespaceSettingsPublisher), $"settings of {message.Namespace}", logger, ct);
}
