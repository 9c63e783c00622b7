using System.Globalization;
using Marten;
using Npgsql;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Api;

/// <summary>
/// The reads a console needs besides one environment: <c>GET /api/v1/environments</c> (every environment that exists,
/// by name; through the gateway for admins, the console filters it by namespace membership) and
/// <c>GET /api/v1/environments/{env}/releases?limit=</c> (its releases, newest first, as
/// <c>GET .../releases/{id}</c> shows each).
/// </summary>
internal static class EnvironmentListEndpoints
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 100;

    public static WebApplication MapEnvironmentListings(this WebApplication app)
    {
        app.MapGet("/api/v1/environments", ListAsync);
        app.MapGet("/api/v1/environments/{env}/releases", ReleasesAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(IDocumentStore store, NpgsqlDataSource database, CancellationToken ct)
    {
        var streams = new List<string>();
        await using (var command = database.CreateCommand("SELECT id FROM deploy.mt_streams WHERE id LIKE 'env:%' ORDER BY id"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                streams.Add(reader.GetString(0));

        var environments = new List<object>();
        await using var session = store.QuerySession();
        foreach (var stream in streams)
        {
            var env = await session.Events.AggregateStreamAsync<EnvironmentState>(stream, token: ct);
            if (env is null || env.Deleted) continue;
            var latest = env.LatestReleaseId is { } id ? await session.Events.AggregateStreamAsync<ReleaseState>(Streams.Release(id), token: ct) : null;
            environments.Add(new
            {
                name = env.Name,
                @namespace = env.Namespace,
                services = env.Deployed.Count,
                drift = env.Drift.Count > 0,
                latestRelease = latest is null ? null : new { id = latest.ReleaseId, status = latest.Status, at = latest.Steps.Count > 0 ? latest.Steps[^1].At : (DateTimeOffset?)null },
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
        var releases = new List<object?>();
        foreach (var id in ids)
            releases.Add(EnvironmentEndpoints.ReleaseView(await session.Events.AggregateStreamAsync<ReleaseState>(Streams.Release(id), token: ct)));
        return Results.Ok(new { environment = env, releases = releases.Where(r => r is not null) });
    }
}
