using Marten;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Tags;

/// <summary>GET /v2/&lt;name&gt;/tags/list with n/last pagination and the Link header.</summary>
internal sealed class TagHandlers(IQuerySession query)
{
    public async Task<IResult> ListAsync(string name, HttpContext http, CancellationToken ct)
    {
        var repo = await query.LoadAsync<RepositoryState>(StreamKeys.Repository(name), ct);
        if (repo is null || !repo.HasContent)
            return OciResults.Error(OciErrorCode.NameUnknown, "repository name not known to registry", new { name });

        var tags = repo.Tags.Keys.Order(StringComparer.Ordinal).ToList();
        if (!Pagination.TryPage(tags, http.Request.Query["n"], http.Request.Query["last"], out var page, out var error))
            return OciResults.Error(error!);
        if (page.HasMore)
            http.Response.Headers.Link = Pagination.NextLink($"/v2/{name}/tags/list", page);
        return Results.Json(new { name, tags = page.Items });
    }
}
