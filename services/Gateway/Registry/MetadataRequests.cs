using Platform.Gateway.Auth.Authorization;
using Platform.Gateway.Routing;
using Platform.Hosting.Security;

namespace Platform.Gateway.Registry;

/// <summary>
/// A GET the gateway sends Metadata itself (the listings it filters), over h2c like the proxy, carrying the caller as
/// the signed actor header so Metadata treats it as any routed request.
/// </summary>
internal static class MetadataRequests
{
    public static Task<HttpResponseMessage> SendAsync(HttpContext http, HttpClient client, BackendOptions backends,
        IConfiguration configuration, string pathAndQuery, CancellationToken ct) =>
        SendAsync(http, client, backends.Metadata, configuration, pathAndQuery, ct);

    /// <summary>The same GET to another backend (<paramref name="backend"/>: its address), optionally with an Accept header.</summary>
    public static Task<HttpResponseMessage> SendAsync(HttpContext http, HttpClient client, string backend,
        IConfiguration configuration, string pathAndQuery, CancellationToken ct, string? accept = null) =>
        SendAsync(http, client, backend, configuration, HttpMethod.Get, pathAndQuery, null, ct, accept);

    /// <summary>Any request to a backend as the caller (the console's form posts, e.g. a vote on a release).</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpContext http, HttpClient client, string backend,
        IConfiguration configuration, HttpMethod method, string pathAndQuery, HttpContent? content, CancellationToken ct, string? accept = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(new Uri(backend), pathAndQuery))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        if (accept is not null)
            request.Headers.TryAddWithoutValidation("Accept", accept);
        if (configuration[GatewayActor.KeySetting] is { Length: > 0 } key)
            ActorForwarding.Stamp(request.Headers, key, http);
        return await client.SendAsync(request, ct);
    }
}
