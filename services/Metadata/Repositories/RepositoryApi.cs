using Platform.Metadata.Tags;
using Platform.Registry.Routing;
using Microsoft.AspNetCore.OpenApi;
using Platform.Hosting.ApiDescription;

namespace Platform.Metadata.Repositories;

/// <summary>
/// /api/v1/repositories: the platform API over repositories, beside the OCI API. JSON in the minimal-API
/// defaults (camelCase), refusals as problem+json.
/// </summary>
public static class RepositoryApi
{
    public static WebApplicationBuilder AddRepositoryApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<RepositoryHandlers>();
        builder.Services.AddScoped<TagHistoryHandlers>();
        builder.Services.Configure<OpenApiOptions>(PlatformOpenApi.DocumentName, o => o.AddDocumentTransformer<RepositoryApiDescription>());
        return builder;
    }

    public static IEndpointRouteBuilder MapRepositoryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(RepositoryHandlers.BasePath, (RepositoryHandlers h, HttpContext http, CancellationToken ct) => h.ListAsync(http, ct))
            .WithSummary("Repositories with tag, manifest and blob counts, size and last push; Link and next for the next page.")
            .WithQueryParameters(("n", "page size, 1 to 1000, default 100"), ("last", "the last name of the page before"))
            .Produces<RepositoryList>().ProducesProblem(StatusCodes.Status400BadRequest);

        // Repository names contain slashes, which a route template cannot bound, so one catch-all takes the
        // rest of the path and splits it itself (as the /v2 routes do), the way the gateway splits it to authorize.
        app.MapGet(RepositoryHandlers.BasePath + "/{**path}", (string? path, RepositoryHandlers h, TagHistoryHandlers tags, HttpContext http, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(path))
                return h.ListAsync(http, ct);
            var parsed = RepositoryApiPath.Parse(path);
            return parsed.Kind switch
            {
                RepositoryApiKind.Blob => h.GetBlobAsync(parsed.Name, parsed.Reference!, ct),
                RepositoryApiKind.Tag => tags.GetAsync(parsed.Name, parsed.Reference!, http, ct),
                RepositoryApiKind.TagHistory => tags.HistoryAsync(parsed.Name, parsed.Reference!, ct),
                _ => h.GetAsync(path, http, ct),
            };
        })
            // One route, several operations: RepositoryApiDescription describes them one by one.
            .ExcludeFromDescription();
        return app;
    }
}
