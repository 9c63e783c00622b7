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
    public static async Task<HttpResponseMessage> SendAsync(HttpContext http, HttpClient client, BackendOptions backends,
        IConfiguration configuration, string pathAndQuery, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(backends.Metadata), pathAndQuery))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (configuration[GatewayActor.KeySetting] is { Length: > 0 } key)
            ActorForwarding.Stamp(request.Headers, key, http);
        return await client.SendAsync(request, ct);
    }
}
