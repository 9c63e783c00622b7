using System.Globalization;
using Marten;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Api;

/// <summary>
/// The lists a console and <c>kubectl get</c>-style tools need besides one environment:
/// <c>GET /api/v1/environments[?namespace=]</c> (every environment that is not deleted, by name; through the gateway
/// for admins, as the bare path names no namespace to decide by, and the console filters it by namespace membership)
/// and <c>GET /api/v1/environments/{env}/releases?limit=</c> (its releases, newest first, as
/// <c>GET .../releases/{id}</c> shows each).
/// </summary>
internal static class EnvironmentListEndpoints
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 500;

    public static WebApplication MapEnvironmentListings(this WebApplication app)
    {
        app.MapGet("/api/v1/environments", ListAsync);
        app.MapGet("/api/v1/environments/{env}/releases", ReleasesAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(IDocumentStore store, string? @namespace, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var environments = new List<object>();
        foreach (var env in await EnvironmentState.ExistingAsync(session, @namespace, ct))
        {
            var latest = env.LatestReleaseId is { } id ? await session.Events.AggregateStreamAsync<ReleaseState>(Streams.Release(id), token: ct) : null;
            environments.Add(new
            {
                name = env.Name,
                @namespace = env.Namespace,
                services = env.Deployed.Count,
                drift = env.Drift.Count > 0,
                latestRelease = latest is null ? null : new
                {
                    id = latest.ReleaseId,
                    status = latest.Status,
                    at = UpdatedAt(latest),
                    plannedAt = PlannedAt(latest),
                    updatedAt = UpdatedAt(latest),
                },
                lastSuccessfulRelease = env.LastSuccessfulReleaseId,
            });
        }
        return Results.Ok(new { environments });
    }

    private static async Task<IResult> ReleasesAsync(string env, string? limit, IDocumentStore store, CancellationToken ct)
    {
        var take = DefaultLimit;
        if (limit is { Length: > 0 } && !(int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) && take is >= 1 and <= MaxLimit))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be a number from 1 to {MaxLimit}"] });
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(Streams.Environment(env), token: ct);
        if (events.Count == 0)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"environment {env} does not exist");
        // Every release of the environment began with an EnvironmentDeclared naming it (applies and deletes alike).
        var ids = events.Select(e => e.Data).OfType<EnvironmentDeclared>().Select(d => d.ReleaseId).Reverse().Distinct().Take(take).ToList();
        var releases = new List<object>();
        foreach (var id in ids)
            if (await session.Events.AggregateStreamAsync<ReleaseState>(Streams.Release(id), token: ct) is { } release)
                releases.Add(EnvironmentEndpoints.ReleaseView(release)!);
        return Results.Ok(new { environment = env, releases });
    }

    internal static DateTimeOffset? PlannedAt(ReleaseState r) => r.Steps.Count > 0 ? r.Steps[0].At : null;

    internal static DateTimeOffset? UpdatedAt(ReleaseState r) => r.Steps.Count > 0 ? r.Steps[^1].At : null;
}
