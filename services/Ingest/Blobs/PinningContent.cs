using System.Net;
using Platform.Ipfs;

namespace Platform.Ingest.Blobs;

/// <summary>
/// Pinning's internal endpoint for a blob pinned encrypted: Pinning alone holds the keys, so it decrypts (and
/// verifies) and Ingest receives plaintext. Pinning speaks h2c only. Not configured (Services:Pinning unset), an
/// encrypted blob whose local file is gone cannot be served and is answered 503.
/// </summary>
internal sealed class PinningContent(HttpClient? http)
{
    public bool Configured => http is not null;

    /// <returns>The plaintext (dispose it), or null when Pinning does not have it now.</returns>
    public async Task<Stream?> OpenAsync(string digest, CancellationToken ct)
    {
        if (http is null)
            return null;
        var response = await http.GetAsync($"/internal/v1/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.ServiceUnavailable)
        {
            response.Dispose();
            return null;
        }
        try
        {
            response.EnsureSuccessStatusCode();
            return new ResponseBodyStream(await response.Content.ReadAsStreamAsync(ct), response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public static IServiceCollection Register(IServiceCollection services, IConfiguration configuration)
    {
        if (configuration["Services:Pinning"] is not { Length: > 0 } url)
        {
            services.AddSingleton(new PinningContent(null));
            return services;
        }
        services.AddHttpClient(nameof(PinningContent), c =>
        {
            c.BaseAddress = new Uri(url);
            c.DefaultRequestVersion = HttpVersion.Version20;
            c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            c.Timeout = Timeout.InfiniteTimeSpan; // a big blob streams for minutes; the client's abort cancels.
        });
        services.AddSingleton(sp => new PinningContent(sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(PinningContent))));
        return services;
    }
}
