using Marten;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Catalog;

/// <summary>GET /v2/_catalog with n/last pagination: every repository that holds something.</summary>
internal sealed class CatalogHandlers(IQuerySession query)
{
    public async Task<IResult> ListAsync(HttpContext http, CancellationToken ct)
    {
        var repositories = await query.Query<RepositoryState>()
            .Where(r => r.HasContent)
            .Select(r => r.Name)
            .ToListAsync(ct);
        var names = repositories.Order(StringComparer.Ordinal).ToList();

        if (!Pagination.TryPage(names, http.Request.Query["n"], http.Request.Query["last"], out var page, out var error))
            return OciResults.Error(error!);
        if (page.HasMore)
            http.Response.Headers.Link = Pagination.NextLink("/v2/_catalog", page);
        return Results.Json(new { repositories = page.Items });
    }
}
