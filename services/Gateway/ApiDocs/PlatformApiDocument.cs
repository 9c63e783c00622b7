using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Platform.Gateway.Routing;
using Platform.Hosting.ApiDescription;
using Scalar.AspNetCore;

namespace Platform.Gateway.ApiDocs;

/// <summary>
/// GET /openapi/v1.json: the platform API as the gateway serves it, one OpenAPI 3.1 document made of the gateway's
/// own (tokens, accounts, namespaces) and the routed services' documents (each describes what it answers), keeping
/// of a service's paths only those the gateway routes to it: what the document says is what the public can call.
/// GET /docs/: a reference page over it (Scalar, whose script is served from the package, no CDN).
/// </summary>
internal static class PlatformApiDocument
{
    public const string ClientName = "openapi";
    public const string DocsPath = "/docs";

    public static WebApplicationBuilder AddPlatformApiDocument(this WebApplicationBuilder builder)
    {
        builder.AddPlatformOpenApi();
        builder.Services.Configure<OpenApiOptions>(PlatformOpenApi.DocumentName, o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A token from GET /token (Basic auth) or POST /api/v1/tokens.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            return Task.CompletedTask;
        }));
        builder.Services.AddHttpClient(ClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        return builder;
    }

    public static WebApplication MapPlatformApiDocument(this WebApplication app)
    {
        app.MapGet(PlatformOpenApi.DocumentPath, ServeAsync).ExcludeFromDescription();
        app.MapScalarApiReference(DocsPath, o => o
            .WithTitle("Platform API")
            .WithOpenApiRoutePattern(PlatformOpenApi.DocumentPath)
            // Scalar's default fonts come from its CDN; the page uses the system's instead.
            .DisableDefaultFonts());
        return app;
    }

    private static async Task<IResult> ServeAsync(
        [FromKeyedServices(PlatformOpenApi.DocumentName)] IOpenApiDocumentProvider own,
        IHttpClientFactory clients, IOptions<BackendOptions> backends, CancellationToken ct)
    {
        var document = JsonNode.Parse(await (await own.GetOpenApiDocumentAsync(ct)).SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, ct))!.AsObject();
        var client = clients.CreateClient(ClientName);
        foreach (var (service, address) in backends.Value.Routed)
        {
            var routes = GatewayRoutes.All.Where(r => r.ClusterId == service && r.Match.Path is { } p && PlatformOpenApi.IsPlatformApi(p)).ToList();
            if (routes.Count == 0)
                continue;
            JsonObject part;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(address), PlatformOpenApi.DocumentPath))
                {
                    Version = System.Net.HttpVersion.Version20,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                };
                using var response = await client.SendAsync(request, ct);
                response.EnsureSuccessStatusCode();
                part = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or InvalidOperationException)
            {
                // Half a description would read as "this API does not exist": say the service is away instead.
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "the API description is incomplete",
                    detail: $"{service} did not answer its part of the description");
            }
            Merge(document, part, path => routes.Any(r => Matches(r.Match.Path!, path)));
        }
        return Results.Text(document.ToJsonString(), "application/json; charset=utf-8");
    }

    /// <summary>Adds the paths of <paramref name="part"/> that <paramref name="routed"/> admits, and the schemas they use.</summary>
    internal static void Merge(JsonObject document, JsonObject part, Func<string, bool> routed)
    {
        var paths = document["paths"] as JsonObject ?? (JsonObject)(document["paths"] = new JsonObject());
        foreach (var (path, item) in part["paths"] as JsonObject ?? [])
            if (routed(path) && !paths.ContainsKey(path))
                paths[path] = item!.DeepClone();
        if (part["components"]?["schemas"] is JsonObject schemas)
        {
            var components = document["components"] as JsonObject ?? (JsonObject)(document["components"] = new JsonObject());
            var target = components["schemas"] as JsonObject ?? (JsonObject)(components["schemas"] = new JsonObject());
            // Same name, same type (ProblemDetails, ...): the first description stands.
            foreach (var (name, schema) in schemas)
                if (!target.ContainsKey(name))
                    target[name] = schema!.DeepClone();
        }
    }

    /// <summary>Whether a YARP route template (e.g. /api/v1/audit/{**rest}) takes a documented path (/api/v1/audit/events).</summary>
    internal static bool Matches(string routeTemplate, string documentedPath)
    {
        // Path parameters of the document ({name}) become a sample segment the template must take.
        var sample = System.Text.RegularExpressions.Regex.Replace(documentedPath, "{[^}]+}", "x");
        var matcher = new TemplateMatcher(TemplateParser.Parse(routeTemplate.TrimStart('/')), new RouteValueDictionary());
        return matcher.TryMatch(sample, new RouteValueDictionary());
    }
}
