using Microsoft.AspNetCore.Http;
using Platform.Hosting.Observability;

namespace Platform.Registry.Writing;

/// <summary>
/// Who made a change, from where, in which request and because of which event: it travels on every event the
/// change appends (Marten headers, correlation and causation ids), and the audit log reads it from there.
/// </summary>
public sealed record WriteContext(string Actor, string? ClientAddress, string? UserAgent, string? RequestId, string? CausationId = null)
{
    private const int MaxUserAgent = 256;

    /// <summary>A change asked for by an HTTP request: the actor is the caller the gateway authenticated.</summary>
    public static WriteContext FromRequest(HttpContext context)
    {
        var agent = context.Request.Headers.UserAgent.ToString();
        return new WriteContext(
            context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous",
            ClientAddressOf(context),
            agent.Length == 0 ? null : agent.Length > MaxUserAgent ? agent[..MaxUserAgent] : agent,
            context.GetRequestId());
    }

    /// <summary>A change a service makes by itself (Pinning's pins), optionally because of an event it consumed.</summary>
    public static WriteContext System(string actor, string? requestId = null, Guid? causationEventId = null) =>
        new(actor, null, null, requestId, causationEventId?.ToString());

    // Behind the gateway the client's address arrives in X-Forwarded-For (YARP adds it); the first entry is the
    // original client.
    private static string ClientAddressOf(HttpContext context)
    {
        var forwarded = context.Request.Headers["X-Forwarded-For"].ToString();
        if (forwarded.Length > 0)
            return forwarded.Split(',')[0].Trim();
        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}

/// <summary>The Marten header names that carry a <see cref="WriteContext"/> on each event.</summary>
public static class EventHeaders
{
    public const string Actor = "actor";
    public const string ClientAddress = "client-address";
    public const string UserAgent = "user-agent";
}
