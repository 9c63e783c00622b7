using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting.ApiDescription;

/// <summary>
/// Each service describes the part of the platform API it answers (OpenAPI 3.1, generated from its endpoints by
/// Microsoft.AspNetCore.OpenApi) at <see cref="DocumentPath"/>; the gateway serves them as one document. Only the
/// platform API is described: /v2 is the OCI Distribution spec's (described there), health and metrics are not API.
/// </summary>
public static class PlatformOpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";

    public static WebApplicationBuilder AddPlatformOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(DocumentName, o =>
        {
            o.ShouldInclude = d => d.RelativePath is { } path && IsPlatformApi("/" + path);
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new Microsoft.OpenApi.OpenApiInfo
                {
                    Title = "Platform API",
                    Version = DocumentName,
                    Description = "The platform's own JSON API beside the OCI Distribution API (/v2). Errors are application/problem+json.",
                };
                // The document describes paths as the gateway serves them, whichever service generated it.
                document.Servers = [];
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication MapPlatformOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath);
        return app;
    }

    /// <summary>Whether a path is part of the platform API: /api/v1/... and the token endpoint.</summary>
    public static bool IsPlatformApi(string path) =>
        path.StartsWith("/api/", StringComparison.Ordinal) || path == "/token";
}

/// <summary>What minimal APIs cannot say by themselves: query parameters read from the request (not bound).</summary>
public static class OperationDescriptions
{
    public static TBuilder WithQueryParameters<TBuilder>(this TBuilder builder, params (string Name, string Description)[] parameters)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            foreach (var (name, description) in parameters)
                operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter
                {
                    Name = name,
                    In = Microsoft.OpenApi.ParameterLocation.Query,
                    Description = description,
                    Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String },
                });
            return Task.CompletedTask;
        });
}
