using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Authorization;
using Platform.Gateway.Auth.Tokens;
using Platform.Gateway.Routing;
using Platform.Registry.Oci;

namespace Platform.Gateway.Registry;

/// <summary>
/// GET /api/v1/repositories (and GET /api/v1/canisters, the same shape over canister modules) with auth on, filtered like /v2/_catalog: admins get Metadata's answer as it is; everyone
/// else gets the repositories of the namespaces they may pull (public ones, their memberships). For those the gateway
/// reads Metadata's whole list, page by page, keeps what the caller may see and pages that itself (n, last, next and
/// the Link header), so that pages are full and a cursor never reveals a hidden name.
/// </summary>
internal static class RepositoryListEndpoint
{
    public const string Name = "filtered-repository-list";
    public const string CanisterListName = "filtered-canister-list";
    private const string BasePath = "/api/v1/repositories";
    // The repository API's page sizes: the same answers to the same n.
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    public static IEndpointRouteBuilder MapFilteredRepositoryList(this IEndpointRouteBuilder app)
    {
        app.MapGet(BasePath, (HttpContext http, IHttpClientFactory clients, IOptions<BackendOptions> backends, IdentityDirectory directory,
                IConfiguration configuration, CancellationToken ct) => ListAsync(BasePath, "repositories", http, clients, backends, directory, configuration, ct))
            .WithOrder(-1).WithName(Name);
        app.MapGet(Platform.Canisters.CanisterApiPath.BasePath, (HttpContext http, IHttpClientFactory clients, IOptions<BackendOptions> backends,
                IdentityDirectory directory, IConfiguration configuration, CancellationToken ct) =>
                ListAsync(Platform.Canisters.CanisterApiPath.BasePath, "canisters", http, clients, backends, directory, configuration, ct))
            .WithOrder(-1).WithName(CanisterListName);
        return app;
    }

    private static async Task<IResult> ListAsync(string basePath, string itemsKey, HttpContext http, IHttpClientFactory clients,
        IOptions<BackendOptions> backends, IdentityDirectory directory, IConfiguration configuration, CancellationToken ct)
    {
        var query = http.Request.Query;
        var nText = query["n"].ToString();
        var n = DefaultPageSize;
        if (nText.Length > 0
            && (!int.TryParse(nText, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n < 1 || n > MaxPageSize))
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid page size",
                detail: $"n must be a whole number from 1 to {MaxPageSize}");

        var client = clients.CreateClient(CatalogEndpoint.ClientName);
        var pullable = await directory.PullableNamespacesAsync(http.GetCaller().Name, ct);
        if (pullable is null)
        {
            using var response = await GetAsync(http, client, backends, configuration, basePath + (http.Request.QueryString.Value ?? ""), ct);
            if (response.Headers.TryGetValues("Link", out var link))
                http.Response.Headers.Link = link.ToArray();
            return Results.Content(await response.Content.ReadAsStringAsync(ct), response.Content.Headers.ContentType?.ToString(),
                statusCode: (int)response.StatusCode);
        }

        var visible = new List<JsonNode>();
        string? next = $"?n={MaxPageSize}";
        while (next is not null)
        {
            using var response = await GetAsync(http, client, backends, configuration, basePath + next, ct);
            if (!response.IsSuccessStatusCode)
            {
                // Metadata is failing: retryable, like any backend failure behind the gateway.
                http.Response.Headers.RetryAfter = "5";
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: $"the {itemsKey} list is not available; retry shortly");
            }
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
            foreach (var item in body[itemsKey]!.AsArray())
                if (item?["name"]?.GetValue<string>() is { } name && pullable.Contains(ScopeParser.NamespaceOf(name)))
                    visible.Add(item.DeepClone());
            next = body["next"]?.GetValue<string>() is { } link && link.IndexOf('?') is var q and >= 0 ? link[q..] : null;
        }

        // Metadata pages by ordinal name, so the kept names are in that order already.
        var names = visible.Select(v => v["name"]!.GetValue<string>()).ToList();
        Pagination.TryPage(names, n.ToString(CultureInfo.InvariantCulture), query["last"], out var page, out _);
        var byName = visible.ToDictionary(v => v["name"]!.GetValue<string>(), StringComparer.Ordinal);
        string? nextPage = null;
        if (page.HasMore)
        {
            nextPage = $"{basePath}?n={page.Requested.ToString(CultureInfo.InvariantCulture)}&last={Uri.EscapeDataString(page.Last!)}";
            http.Response.Headers.Link = Pagination.NextLink(basePath, page);
        }
        return Results.Json(new JsonObject
        {
            [itemsKey] = new JsonArray(page.Items.Select(i => byName[i]).ToArray()),
            ["next"] = nextPage,
        });
    }

    private static Task<HttpResponseMessage> GetAsync(HttpContext http, HttpClient client, IOptions<BackendOptions> backends,
        IConfiguration configuration, string pathAndQuery, CancellationToken ct) =>
        MetadataRequests.SendAsync(http, client, backends.Value, configuration, pathAndQuery, ct);
}
