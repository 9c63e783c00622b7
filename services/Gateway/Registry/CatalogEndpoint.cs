using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Authorization;
using Platform.Gateway.Auth.Tokens;
using Platform.Gateway.Routing;
using Platform.Registry.Oci;

namespace Platform.Gateway.Registry;

/// <summary>
/// GET /v2/_catalog with auth on: the gateway asks Metadata for every repository and keeps those the caller may
/// pull (admins: all; others: public namespaces and their memberships), then applies n/last paging itself so
/// pages and Link headers stay right.
/// </summary>
internal static class CatalogEndpoint
{
    public const string ClientName = "metadata-catalog";

    public static IEndpointRouteBuilder MapFilteredCatalog(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/_catalog", ListAsync).WithOrder(-1);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext http, IHttpClientFactory clients, IOptions<BackendOptions> backends,
        IdentityDirectory directory, IConfiguration configuration, CancellationToken ct)
    {
        var caller = http.GetCaller();
        using var response = await MetadataRequests.SendAsync(http, clients.CreateClient(ClientName), backends.Value, configuration,
            "/v2/_catalog", ct);
        if (!response.IsSuccessStatusCode)
            return Results.Stream(await response.Content.ReadAsStreamAsync(ct), "application/json");
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        var all = body.RootElement.GetProperty("repositories").EnumerateArray().Select(e => e.GetString()!);

        var pullable = await directory.PullableNamespacesAsync(caller.Name, ct);
        var visible = all.Where(name => pullable is null || pullable.Contains(ScopeParser.NamespaceOf(name)))
            .Order(StringComparer.Ordinal).ToList();

        if (!Pagination.TryPage(visible, http.Request.Query["n"], http.Request.Query["last"], out var page, out var error))
            return OciResults.Error(error!);
        if (page.HasMore)
            http.Response.Headers.Link = Pagination.NextLink("/v2/_catalog", page);
        return Results.Json(new { repositories = page.Items });
    }
}
