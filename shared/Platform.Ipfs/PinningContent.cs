using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Ipfs;

/// <summary>
/// Pinning's internal endpoints for content read back from IPFS: Pinning alone holds the keys of encrypted copies,
/// so it decrypts (and verifies) and the caller receives plaintext. Ingest reads blobs whose local file is gone,
/// Metadata manifests whose record is lost. Pinning speaks h2c only. Not configured (Services:Pinning unset), such
/// content cannot be served and is answered 503.
/// </summary>
public sealed class PinningContent(HttpClient? http)
{
    public bool Configured => http is not null;

    /// <returns>The blob's plaintext (dispose it), or null when Pinning does not have it now.</returns>
    public Task<Stream?> OpenAsync(string digest, CancellationToken ct) => OpenPathAsync($"/internal/v1/blobs/{digest}", ct);

    /// <returns>The manifest's plaintext, verified (dispose it), or null when Pinning does not have it now.</returns>
    public Task<Stream?> OpenManifestAsync(string digest, CancellationToken ct) => OpenPathAsync($"/internal/v1/manifests/{digest}", ct);

    private async Task<Stream?> OpenPathAsync(string path, CancellationToken ct)
    {
        if (http is null)
            return null;
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
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
