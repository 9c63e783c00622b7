using Platform.Hosting.Observability;
using Platform.Hosting.Security;
using Platform.Registry.Writing;

namespace Platform.Ingest.Gc;

/// <summary>
/// Garbage collection in Ingest, which owns the content store and writes the registry's streams. On demand:
/// <c>POST /api/v1/admin/gc[?dryRun=true]</c> answers the run's report (what went, or would go, with sizes). Like
/// Ingest's other routes it trusts the gateway's signed actor header; that it is for admins only is the
/// gateway's rule (Ingest knows names, not roles). Where the gateway signs actors (auth on), an anonymous caller is
/// refused here as well, so a gateway that routed the path without its rule would not open it to everyone.
/// </summary>
public static class GcEndpoints
{
    public static WebApplicationBuilder AddGarbageCollection(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<GcOptions>(builder.Configuration.GetSection(GcOptions.Section));
        builder.Services.AddSingleton<GarbageCollector>();
        builder.Services.AddHostedService<GcScheduler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapGarbageCollection(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/admin/gc", async (HttpContext http, bool? dryRun, CancellationToken ct) =>
        {
            var configuration = http.RequestServices.GetRequiredService<IConfiguration>();
            if (!string.IsNullOrEmpty(configuration[GatewayActor.KeySetting]) && http.User.Identity?.IsAuthenticated != true)
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "garbage collection is for admins");
            var collector = http.RequestServices.GetRequiredService<GarbageCollector>();
            var requester = WriteContext.FromRequest(http).Actor;
            // The run goes on if the caller hangs up: stopping halfway is safe, but the report would be lost.
            var run = await collector.RunAsync(dryRun ?? false, requester, http.GetRequestId(), CancellationToken.None);
            return Results.Ok(run);
        })
            .WithSummary("Runs garbage collection (admins); with dryRun=true, answers what would go.")
            .Produces<Platform.Registry.Events.GarbageCollected>().ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }
}
