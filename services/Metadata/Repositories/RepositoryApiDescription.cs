using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Platform.Metadata.Repositories;

/// <summary>
/// Describes the operations behind the repositories catch-all route (a name has slashes, which a route template
/// cannot bound): a repository, and one of its blobs. Path parameter {name} is sent with its slashes as they are.
/// </summary>
internal sealed class RepositoryApiDescription : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Paths ??= [];
        document.Paths[RepositoryHandlers.BasePath + "/{name}"] = Get(
            "A repository: tags, manifests (newest first, with their tags), blobs, size, last push.",
            await context.GetOrCreateSchemaAsync(typeof(RepositoryDetails), null, cancellationToken), "name");
        document.Paths[RepositoryHandlers.BasePath + "/{name}/blobs/{digest}"] = Get(
            "A blob of the repository: size, IPFS CID (null until pinned), pin state and IPFS mode.",
            await context.GetOrCreateSchemaAsync(typeof(BlobInfo), null, cancellationToken), "name", "digest");
    }

    private static OpenApiPathItem Get(string summary, IOpenApiSchema answer, params string[] pathParameters) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new()
            {
                Summary = summary,
                Tags = new HashSet<OpenApiTagReference> { new("Platform.Metadata") },
                Parameters = pathParameters.Select(p => (IOpenApiParameter)new OpenApiParameter
                {
                    Name = p,
                    In = ParameterLocation.Path,
                    Required = true,
                    Description = p == "name" ? "the repository name, slashes included (e.g. shop/web)" : "sha256:<hex>",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                }).ToList(),
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse
                    {
                        Description = "OK",
                        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = answer } },
                    },
                    ["400"] = Problem("the name or digest is not valid"),
                    ["404"] = Problem("no such repository, or the blob is not in it"),
                },
            },
        },
    };

    private static OpenApiResponse Problem(string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() },
    };
}
