using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Gateway.Auth.Tokens;
using Platform.Gateway.Console.Sessions;
using Platform.Gateway.Registry;
using Platform.Gateway.Routing;

namespace Platform.Gateway.Console.Backends;

/// <summary>
/// The console's reads, sent to the backends as the gateway sends its own listings (<see cref="MetadataRequests"/>:
/// h2c, the caller as the signed actor), after the same checks the API makes (<see cref="ConsoleAccess"/>). A backend
/// that fails or does not answer is a result with a status, never an exception on a page.
/// </summary>
internal sealed partial class ConsoleBackend(IHttpClientFactory clients, IOptions<BackendOptions> backends, IConfiguration configuration,
    ConsoleAccess access, ILogger<ConsoleBackend> logger)
{
    public const string ClientName = "console";
    private const int BackendPageSize = 1000;
    private const string ManifestTypes = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " +
        "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>The repositories the user may pull, ordinal by name, those containing <paramref name="search"/> when given.</summary>
    public async Task<BackendResult<List<RepositoryItem>>> RepositoriesAsync(HttpContext http, string? search, CancellationToken ct)
    {
        var pullable = await access.PullableNamespacesAsync(http, ct);
        var visible = new List<RepositoryItem>();
        string? next = $"/api/v1/repositories?n={BackendPageSize}";
        while (next is not null)
        {
            var page = await GetAsync<RepositoryPage>(http, backends.Value.Metadata, next, ct);
            if (!page.Ok)
                return new(null, page.Status, page.Problem);
            visible.AddRange(page.Value!.Repositories.Where(r =>
                (pullable is null || pullable.Contains(ScopeParser.NamespaceOf(r.Name)))
                && (string.IsNullOrWhiteSpace(search) || r.Name.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase))));
            next = page.Value.Next;
        }
        return BackendResult<List<RepositoryItem>>.Of(visible);
    }

    public async Task<BackendResult<RepositoryDetails>> RepositoryAsync(HttpContext http, string name, CancellationToken ct) =>
        await access.MayPullAsync(http, name, ct)
            ? await GetAsync<RepositoryDetails>(http, backends.Value.Metadata, $"/api/v1/repositories/{name}", ct)
            : Hidden<RepositoryDetails>(name);

    /// <summary>
    /// A manifest expanded for reading: an image's config and layers with their IPFS state, an index's children (each
    /// expanded the same way), and the referrers (signatures, SBOMs) of the manifest and of each child.
    /// </summary>
    public async Task<BackendResult<ManifestView>> ManifestAsync(HttpContext http, string name, string digest, CancellationToken ct)
    {
        if (!await access.MayPullAsync(http, name, ct))
            return Hidden<ManifestView>(name);
        return await ExpandAsync(http, name, digest, null, depth: 0, ct);
    }

    private async Task<BackendResult<ManifestView>> ExpandAsync(HttpContext http, string name, string digest, PlatformInfo? platform,
        int depth, CancellationToken ct)
    {
        var document = await GetAsync<JsonElement>(http, backends.Value.Metadata, $"/v2/{name}/manifests/{digest}", ct, ManifestTypes);
        if (!document.Ok)
            return new(null, document.Status, document.Problem);
        var root = document.Value;
        var mediaType = Text(root, "mediaType") ?? "";
        var children = new List<ManifestView>();
        // An index inside an index is shown, but its own children are not fetched: nesting is rare and unbounded.
        if (root.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array && depth == 0)
            foreach (var child in manifests.EnumerateArray())
            {
                var childDigest = Text(child, "digest") ?? "";
                var childPlatform = child.TryGetProperty("platform", out var p)
                    ? new PlatformInfo(Text(p, "os"), Text(p, "architecture"), Text(p, "variant")) : null;
                var expanded = await ExpandAsync(http, name, childDigest, childPlatform, depth + 1, ct);
                children.Add(expanded.Value ?? new ManifestView(childDigest, Text(child, "mediaType") ?? "", Size(child), null,
                    childPlatform, [], null, [], [], Annotations(child)));
            }

        var blobs = await RepositoryBlobsAsync(http, name, ct);
        var layers = root.TryGetProperty("layers", out var l) && l.ValueKind == JsonValueKind.Array
            ? await Task.WhenAll(l.EnumerateArray().Select(layer => LayerAsync(http, name, layer, blobs, ct)))
            : [];
        var config = root.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object
            ? await LayerAsync(http, name, c, blobs, ct) : null;
        var referrers = await ReferrersAsync(http, name, digest, ct);
        return BackendResult<ManifestView>.Of(new ManifestView(digest, mediaType, System.Text.Encoding.UTF8.GetByteCount(root.GetRawText()),
            Text(root, "artifactType"), platform, layers, config, children, referrers, Annotations(root)));
    }

    private async Task<IReadOnlySet<string>> RepositoryBlobsAsync(HttpContext http, string name, CancellationToken ct)
    {
        var details = await GetAsync<RepositoryDetails>(http, backends.Value.Metadata, $"/api/v1/repositories/{name}", ct);
        return details.Value?.Blobs.Select(b => b.Digest).ToHashSet(StringComparer.Ordinal) ?? new HashSet<string>();
    }

    private async Task<LayerView> LayerAsync(HttpContext http, string name, JsonElement descriptor, IReadOnlySet<string> linked, CancellationToken ct)
    {
        var digest = Text(descriptor, "digest") ?? "";
        // Only blobs the repository links have a state to ask for (an empty config descriptor, for one, may not).
        var state = linked.Contains(digest)
            ? (await GetAsync<BlobState>(http, backends.Value.Metadata, $"/api/v1/repositories/{name}/blobs/{digest}", ct)).Value
            : null;
        return new LayerView(digest, Text(descriptor, "mediaType") ?? "", Size(descriptor), state);
    }

    private async Task<IReadOnlyList<ReferrerView>> ReferrersAsync(HttpContext http, string name, string digest, CancellationToken ct)
    {
        var index = await GetAsync<JsonElement>(http, backends.Value.Metadata, $"/v2/{name}/referrers/{digest}", ct);
        if (!index.Ok || !index.Value.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
            return [];
        return manifests.EnumerateArray()
            .Select(m => new ReferrerView(Text(m, "digest") ?? "", Text(m, "mediaType") ?? "", Text(m, "artifactType"), Size(m), Annotations(m)))
            .ToList();
    }

    // ---- the audit log (admins only, as on the API)

    public async Task<BackendResult<AuditPage>> AuditEventsAsync(HttpContext http, string query, CancellationToken ct) =>
        await access.IsAdminAsync(http, ct)
            ? await GetAsync<AuditPage>(http, Audit, "/api/v1/audit/events" + query, ct)
            : AdminOnly<AuditPage>();

    public async Task<BackendResult<AuditVerify>> AuditVerifyAsync(HttpContext http, CancellationToken ct) =>
        await access.IsAdminAsync(http, ct)
            ? await GetAsync<AuditVerify>(http, Audit, "/api/v1/audit/verify", ct)
            : AdminOnly<AuditVerify>();

    /// <summary>The export's response, to stream on (null: not an admin).</summary>
    public async Task<HttpResponseMessage?> AuditExportAsync(HttpContext http, string query, CancellationToken ct) =>
        await access.IsAdminAsync(http, ct)
            ? await MetadataRequests.SendAsync(http, clients.CreateClient(ClientName), Audit, configuration, "/api/v1/audit/export" + query, ct)
            : null;

    private string Audit => backends.Value.Routed["audit"];

    // ---- plumbing

    private Task<BackendResult<T>> GetAsync<T>(HttpContext http, string backend, string pathAndQuery, CancellationToken ct, string? accept = null) =>
        SendAsync<T>(http, backend, HttpMethod.Get, pathAndQuery, null, ct, accept);

    private async Task<BackendResult<T>> SendAsync<T>(HttpContext http, string backend, HttpMethod method, string pathAndQuery, HttpContent? content,
        CancellationToken ct, string? accept = null)
    {
        try
        {
            using var response = await MetadataRequests.SendAsync(http, clients.CreateClient(ClientName), backend, configuration, method, pathAndQuery,
                content, ct, accept);
            if (response.IsSuccessStatusCode)
                return typeof(T) == typeof(string)
                    ? BackendResult<T>.Of((T)(object)await response.Content.ReadAsStringAsync(ct))
                    : BackendResult<T>.Of((await response.Content.ReadFromJsonAsync<T>(ConsoleJson.Options, ct))!);
            var status = (int)response.StatusCode;
            return new(default, status >= 500 ? StatusCodes.Status503ServiceUnavailable : status, await ProblemAsync(response, ct));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            ConsoleLog.BackendFailed(logger, e, backend, pathAndQuery);
            return new(default, StatusCodes.Status503ServiceUnavailable, "the service behind this page is not answering; retry shortly");
        }
    }

    /// <summary>What a refusal says: problem+json's title, detail and field errors, or the OCI error's message.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ConsoleJson.Options, ct);
            if (body.TryGetProperty("errors", out var errors))
            {
                if (errors.ValueKind == JsonValueKind.Object)
                    return string.Join(" ", errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(m => m.GetString())));
                if (errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
                    return Text(errors[0], "message") ?? response.ReasonPhrase ?? "";
            }
            return string.Join(": ", new[] { Text(body, "title"), Text(body, "detail") }.Where(t => !string.IsNullOrEmpty(t)));
        }
        catch (JsonException)
        {
            return response.ReasonPhrase ?? $"status {(int)response.StatusCode}";
        }
    }

    // A repository the user may not pull looks like one that does not exist, so the console never confirms a name.
    private static BackendResult<T> Hidden<T>(string name) =>
        new(default, StatusCodes.Status404NotFound, $"no repository named '{name}' that you may see");

    private static BackendResult<T> AdminOnly<T>() =>
        new(default, StatusCodes.Status403Forbidden, "the audit log is for admins: it names every account, address and repository");

    private static string? Text(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Size(JsonElement e) =>
        e.TryGetProperty("size", out var v) && v.TryGetInt64(out var n) ? n : 0;

    private static IReadOnlyDictionary<string, string> Annotations(JsonElement e) =>
        e.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object
            ? a.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : new Dictionary<string, string>();
}
