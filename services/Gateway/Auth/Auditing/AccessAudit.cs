using System.Threading.Channels;
using Platform.Contracts;
using Platform.Gateway.Auth.Authorization;
using Platform.Hosting.Observability;

namespace Platform.Gateway.Auth.Auditing;

/// <summary>
/// Sends the gateway's audit events (denied access, failed logins, manifest pulls) to the audit log without ever
/// holding up a request: requests only drop the event into a bounded queue (full: the event is dropped and
/// logged); <see cref="AccessAuditSender"/> hands them to RabbitMQ in order.
/// </summary>
internal sealed class AccessAudit(ILogger<AccessAudit> logger)
{
    private readonly Channel<IPlatformEvent> _queue = Channel.CreateBounded<IPlatformEvent>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    internal ChannelReader<IPlatformEvent> Reader => _queue.Reader;

    public void Denied(HttpContext context, string? repository, string action) =>
        Enqueue(new AccessDeniedV1(Meta(context, context.GetCaller().ActorName), repository, action, context.Request.Method, context.Request.Path.Value ?? ""));

    public void LoginFailed(HttpContext context, string account, string reason) =>
        Enqueue(new LoginFailedV1(Meta(context, account.Length > 0 ? account : Caller.AnonymousName), account, reason));

    /// <summary>
    /// Records a manifest pull, once per caller, client address and manifest per <see cref="PullWindow"/>: the log
    /// says who pulled what, without one entry (and one hash-chained append) per request when a CI farm or a
    /// retrying client pulls the same manifest in a loop.
    /// </summary>
    public void ManifestPulled(HttpContext context, string repository, string reference, string? digest)
    {
        var actor = context.GetCaller().ActorName;
        var now = Environment.TickCount64;
        var key = $"{actor}|{context.ClientAddress()}|{repository}|{digest ?? reference}";
        if (_recentPulls.TryGetValue(key, out var at) && now - at < (long)PullWindow.TotalMilliseconds)
            return;
        _recentPulls[key] = now;
        if (_recentPulls.Count > 100_000)
            foreach (var stale in _recentPulls.Where(p => now - p.Value >= (long)PullWindow.TotalMilliseconds).Select(p => p.Key).ToList())
                _recentPulls.TryRemove(stale, out _);
        Enqueue(new ManifestPulledV1(Meta(context, actor), repository, reference, digest));
    }

    public static readonly TimeSpan PullWindow = TimeSpan.FromSeconds(60);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _recentPulls = new(StringComparer.Ordinal);

    private void Enqueue(IPlatformEvent e)
    {
        if (!_queue.Writer.TryWrite(e))
            AuthLog.AuditQueueFull(logger, e.GetType().Name);
    }

    private static EventMetadata Meta(HttpContext context, string actor)
    {
        var agent = context.Request.Headers.UserAgent.ToString();
        return new EventMetadata(Guid.NewGuid(), 0, DateTimeOffset.UtcNow, actor, context.ClientAddress(),
            agent.Length > 256 ? agent[..256] : agent.Length == 0 ? null : agent, context.GetRequestId());
    }
}
