using Marten;
using Platform.Contracts;
using Platform.Deploy.Releases;
using Platform.Deploy.Relay;

namespace Platform.Deploy.Scaling;

/// <summary>
/// <c>GET /internal/v1/scaling/environments</c>: every environment that is not deleted, as the
/// <see cref="EnvironmentDeployedV1"/> Deploy would publish for it now, for the Scaler to catch up from when it
/// starts (it hears of a release only while it runs). Each carries the store's event sequence read before the
/// environments, so a report published since (a higher sequence) still wins over it, and one already included in it
/// (a lower one) is recognised as older. Not routed by the gateway.
/// </summary>
internal static class ScalingEnvironmentsEndpoint
{
    public static WebApplication MapScalingEnvironments(this WebApplication app)
    {
        app.MapGet(ScalingEnvironmentsV1.Path, ListAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(IDocumentStore store, TimeProvider clock, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        // The sequence first: whatever happens while the environments are read has a higher one.
        var newest = await session.Events.QueryAllRawEvents().OrderByDescending(e => e.Sequence).Take(1).ToListAsync(ct);
        var sequence = newest.Count > 0 ? newest[0].Sequence : 0;
        var meta = new EventMetadata(Guid.Empty, sequence, clock.GetUtcNow(), "deploy", null, null, null);
        var environments = new List<EnvironmentDeployedV1>();
        foreach (var env in await EnvironmentState.ExistingAsync(session, null, ct))
        {
            if (env.Deployed.Count == 0)
                continue;
            environments.Add(DeployIntegrationEvents.Deployed(meta, env.Namespace, env.Name, env.LastSuccessfulReleaseId ?? Guid.Empty, false,
                [.. env.Deployed.Values.OrderBy(s => s.Name, StringComparer.Ordinal)]));
        }
        return Results.Ok(new ScalingEnvironmentsV1(sequence, environments));
    }
}
