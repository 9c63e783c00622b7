using Marten;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Api;

/// <summary>
/// The lists <c>kubectl get</c>-style tools need: <c>GET /api/v1/environments[?namespace=]</c> (every environment
/// that is not deleted, by name; through the gateway for admins, as the bare path names no namespace to decide
/// by) and <c>GET /api/v1/environments/{env}/releases[?limit=]</c> (its releases, newest first, as summaries; the
/// full release is <c>/releases/{id}</c>).
/// </summary>
internal static class EnvironmentListEndpoints
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 500;

    public static WebApplication MapEnvironmentLists(this WebApplication app)
    {
        app.MapGet("/api/v1/environments", ListEnvironments);
        app.MapGet("/api/v1/environments/{env}/releases", ListReleases);
        return app;
    }

    private static async Task<IResult> ListEnvironments(IDocumentStore store, string? @namespace, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        // Every declaration names its environment: their distinct names are every environment there has been.
        var declared = await session.Events.QueryRawEventDataOnly<EnvironmentDeclared>().ToListAsync(ct);
        var names = declared.Where(d => @namespace is null || d.Namespace == @namespace).Select(d => d.Environment).Distinct().Order(StringComparer.Ordinal);
        var environments = new List<object>();
        foreach (var name in names)
        {
            var state = await session.Events.AggregateStreamAsync<EnvironmentState>(Streams.Environment(name), token: ct);
            if (state is null || state.Deleted || (@namespace is not null && state.Namespace != @namespace)) continue;
            var latest = state.LatestReleaseId is { } id ? await session.Events.AggregateStreamAsync<ReleaseState>(Streams.Release(id), token: ct) : null;
            environments.Add(new
            {
                name = state.Name,
                @namespace = state.Namespace,
                services = state.Deployed.Count,
                drift = state.Drift.Count > 0,
                latestRelease = latest is null ? null : Summary(latest),
            });
        }
        return Results.Ok(new { environments });
    }

    private static async Task<IResult> ListReleases(string env, IDocumentStore store, int? limit, CancellationToken ct)
    {
        if (limit is < 1 or > MaxLimit)
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"limit must be a number from 1 to {MaxLimit}");
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(Streams.Environment(env), token: ct);
        if (events.Count == 0)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"environment {env} does not exist");
        // Each release (applies and deletions alike) is declared on the environment's stream, in order.
        var ids = events.Select(e => e.Data).OfType<EnvironmentDeclared>().Select(d => d.ReleaseId).Distinct().Reverse().Take(limit ?? DefaultLimit);
        var releases = new List<object>();
        foreach (var id in ids)
            if (await session.Events.AggregateStreamAsync<ReleaseState>(Streams.Release(id), token: ct) is { } release)
                releases.Add(Summary(release));
        return Results.Ok(new { environment = env, releases });
    }

    private static object Summary(ReleaseState r) => new
    {
        id = r.ReleaseId,
        status = r.Status,
        plannedBy = r.PlannedBy,
        plannedAt = r.Steps.Count > 0 ? r.Steps[0].At : (DateTimeOffset?)null,
        updatedAt = r.Steps.Count > 0 ? r.Steps[^1].At : (DateTimeOffset?)null,
        deletesEnvironment = r.DeletesEnvironment,
        changes = r.Services.Count(s => s.Action != "none"),
        services = r.Services.Select(s => new { name = s.Name, action = s.Action }),
        reason = r.Reason,
    };
}
