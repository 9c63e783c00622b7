using System.Net;

namespace Platform.Pinning.Content;

/// <summary>
/// Reads blob bytes from Ingest's internal content endpoint, as a stream: Pinning never holds a blob in memory
/// (other registries' IPFS backends have held whole layers in memory). Ingest speaks h2c only, so requests are
/// HTTP/2 with prior knowledge.
/// </summary>
public sealed class IngestContent(HttpClient http)
{
    /// <returns>The response (dispose it) whose body is the blob, or null when Ingest has no local copy.</returns>
    public async Task<HttpResponseMessage?> OpenAsync(string digest, CancellationToken ct)
    {
        var response = await http.GetAsync($"/internal/v1/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }
        try
        {
            response.EnsureSuccessStatusCode();
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public static IServiceCollection Register(IServiceCollection services, IConfiguration configuration)
    {
        var ingest = configuration["Services:Ingest"] is { Length: > 0 } url
            ? new Uri(url)
            : throw new InvalidOperationException("Services:Ingest (env Services__Ingest) is not set: Pinning reads blob bytes from Ingest.");
        services.AddHttpClient<IngestContent>(c =>
        {
            c.BaseAddress = ingest;
            c.DefaultRequestVersion = HttpVersion.Version20;
            c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            c.Timeout = Timeout.InfiniteTimeSpan; // a multi-GB blob streams for minutes; callers cancel.
        });
        return services;
    }
}
