using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Platform.Gateway.Registry;
using Platform.Gateway.Routing;
using Platform.Registry.Oci;

namespace Platform.Gateway.Namespaces;

/// <summary>What a namespace's repositories hold: the bytes and count of the distinct blobs they link.</summary>
/// <param name="Linked">Whether the blob asked about is linked into the namespace already (null: none asked).</param>
internal sealed record NamespaceUsage(long Bytes, int Blobs, bool? Linked);

/// <summary>
/// Asks the backends what a quota decision needs: Metadata the namespace's usage (from its projections,
/// <c>GET /api/v1/namespaces/{ns}/usage</c>, a route the gateway does not proxy), Ingest how many bytes an upload
/// session holds so far (its status, as a client would ask). Null answers mean the backend is failing.
/// </summary>
internal sealed class NamespaceUsageClient(IHttpClientFactory clients, IOptions<BackendOptions> backends, IConfiguration configuration)
{
    public const string ClientName = "namespace-usage";

    public async Task<NamespaceUsage?> UsageAsync(HttpContext http, string ns, string? digest, CancellationToken ct)
    {
        var path = $"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/usage" + (digest is null ? "" : $"?digest={Uri.EscapeDataString(digest)}");
        try
        {
            using var response = await MetadataRequests.SendAsync(http, clients.CreateClient(ClientName), backends.Value.Metadata, configuration, path, ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<NamespaceUsage>(ct) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>
    /// The bytes an upload session (<paramref name="sessionPath"/>: "/v2/{name}/blobs/uploads/{id}") has received: 0
    /// for a session Ingest does not know (it answers the request itself), null when Ingest is failing.
    /// </summary>
    public async Task<long?> ReceivedAsync(HttpContext http, string sessionPath, CancellationToken ct)
    {
        try
        {
            using var response = await MetadataRequests.SendAsync(http, clients.CreateClient(ClientName), backends.Value.Ingest, configuration, sessionPath, ct);
            if (response.StatusCode == HttpStatusCode.NotFound)
                return 0;
            if (!response.IsSuccessStatusCode)
                return null;
            // "0-{last}" (0-0 for an empty session: one byte is the most this undercounts).
            var range = response.Headers.TryGetValues("Range", out var values) ? values.FirstOrDefault() : null;
            return range is not null && ContentRange.TryParse(range, out var parsed) && parsed.End > 0 ? parsed.End + 1 : 0;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
