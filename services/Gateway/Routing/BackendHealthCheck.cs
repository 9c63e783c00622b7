using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Platform.Gateway.Routing;

/// <summary>
/// The gateway is ready only when every service it routes to is: it asks each one's /readyz over the same h2c
/// connection kind the proxy uses. Services it does not route to (Pinning, the Scaler) are not its business.
/// </summary>
internal sealed class BackendHealthCheck(IHttpClientFactory clients, IOptions<BackendOptions> backends) : IHealthCheck
{
    public const string ClientName = "backend-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var client = clients.CreateClient(ClientName);
        var checks = backends.Value.Routed.Select(async b =>
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(b.Value), "/readyz"))
                {
                    Version = System.Net.HttpVersion.Version20,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                };
                using var response = await client.SendAsync(request, ct);
                return (b.Key, Ok: response.IsSuccessStatusCode, Detail: ((int)response.StatusCode).ToString());
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
            {
                return (b.Key, Ok: false, Detail: ex.Message);
            }
        });
        var results = await Task.WhenAll(checks);
        var data = results.ToDictionary(r => r.Key, r => (object)r.Detail);
        var red = results.Where(r => !r.Ok).Select(r => r.Key).ToArray();
        return red.Length == 0
            ? HealthCheckResult.Healthy($"ready: {string.Join(", ", results.Select(r => r.Key))}", data)
            : HealthCheckResult.Unhealthy($"not ready: {string.Join(", ", red)}", data: data);
    }
}
