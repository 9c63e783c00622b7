using Marten;
using Microsoft.AspNetCore.Http;
using Platform.Hosting.Observability;

namespace Platform.Hosting.Persistence;

public static class RequestSessions
{
    public const string ActorHeader = "actor";
    public const string ClientAddressHeader = "client-address";
    public const string UserAgentHeader = "user-agent";

    /// <summary>
    /// A session whose events carry who did it, from where, and in which request: the actor (the gateway's
    /// authenticated user, "anonymous" until auth exists), the client address, the user agent, and the request
    /// id as the correlation id. Marten stamps the time.
    /// </summary>
    public static IDocumentSession OpenEventSession(this IDocumentStore store, HttpContext context)
    {
        var session = store.LightweightSession();
        session.CorrelationId = context.GetRequestId();
        var actor = Actor(context);
        session.LastModifiedBy = actor;
        session.SetHeader(ActorHeader, actor);
        session.SetHeader(ClientAddressHeader, ClientAddress(context));
        var agent = context.Request.Headers.UserAgent.ToString();
        if (agent.Length > 0)
            session.SetHeader(UserAgentHeader, agent.Length > 256 ? agent[..256] : agent);
        return session;
    }

    // Behind the gateway the client's address arrives in X-Forwarded-For (YARP adds it); the first entry is the
    // original client.
    public static string ClientAddress(HttpContext context)
    {
        var forwarded = context.Request.Headers["X-Forwarded-For"].ToString();
        if (forwarded.Length > 0)
            return forwarded.Split(',')[0].Trim();
        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    public static string Actor(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous";
}
