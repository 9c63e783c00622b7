using Marten;
using Platform.Hosting.Observability;

namespace Platform.Deploy.Releases;

/// <summary>Who caused events, recorded as event headers (the relay puts them in every contract's metadata).</summary>
public sealed record Actor(string Name, string? ClientAddress = null, string? UserAgent = null, string? RequestId = null)
{
    /// <summary>Deploy itself: releases running, reconciliation.</summary>
    public static Actor System { get; } = new("system:deploy");

    public static Actor Of(HttpContext http) => new(
        http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous",
        http.Connection.RemoteIpAddress?.ToString(),
        http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null,
        http.GetRequestId());
}

public static class EventHeaders
{
    public const string Actor = "actor";
    public const string ClientAddress = "client-address";
    public const string UserAgent = "user-agent";
}

internal static class EventWriter
{
    public static IDocumentSession Session(this IDocumentStore store, Actor actor)
    {
        var session = store.LightweightSession();
        session.CorrelationId = actor.RequestId;
        session.SetHeader(EventHeaders.Actor, actor.Name);
        if (actor.ClientAddress is { } address) session.SetHeader(EventHeaders.ClientAddress, address);
        if (actor.UserAgent is { } agent) session.SetHeader(EventHeaders.UserAgent, agent);
        return session;
    }
}
