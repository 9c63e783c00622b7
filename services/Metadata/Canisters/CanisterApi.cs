using Platform.Canisters;

namespace Platform.Metadata.Canisters;

/// <summary>/api/v1/canisters: JSON in the minimal-API defaults (camelCase), refusals as problem+json.</summary>
public static class CanisterApi
{
    public static WebApplicationBuilder AddCanisterApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<CanisterHistory>();
        builder.Services.AddScoped<CanisterHandlers>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCanisterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(CanisterApiPath.BasePath, (CanisterHandlers h, HttpContext http, CancellationToken ct) => h.ListAsync(http, ct));
        // Names hold slashes: one catch-all, split from the end the way the gateway splits it to authorize.
        app.MapGet(CanisterApiPath.BasePath + "/{**path}", (string? path, CanisterHandlers h, HttpContext http, CancellationToken ct) =>
        {
            if (!CanisterApiPath.TryParse(path, out var parsed))
                return h.ListAsync(http, ct);
            return parsed.Kind switch
            {
                CanisterApiKind.Versions => h.VersionsAsync(parsed.Name, http, ct),
                CanisterApiKind.Resolve => h.ResolveAsync(parsed.Name, http, ct),
                CanisterApiKind.Candid => h.CandidAsync(parsed.Name, parsed.Digest!, ct),
                // The bytes are Ingest's, which the gateway routes them to; asked here directly, say where they are.
                CanisterApiKind.Wasm => Task.FromResult(Results.Problem(statusCode: StatusCodes.Status404NotFound,
                    title: "module bytes are served by Ingest", detail: "GET this path through the gateway")),
                _ => h.GetAsync(parsed.Name, http, ct),
            };
        });
        return app;
    }
}
