using Marten;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Scaling;

/// <summary>
/// <c>GET /api/v1/environments/{env}/services/{service}/pick?key=</c>: off-chain <c>pick(name, key)</c>, the replica
/// or shard that serves a key, by the same rendezvous hashing as the registry canister (<see cref="Platform.Contracts.KeyRing"/>).
/// </summary>
internal static class PickEndpoint
{
    public const int MaxKeyLength = 1024;

    public static WebApplication MapServicePick(this WebApplication app)
    {
        app.MapGet("/api/v1/environments/{env}/services/{service}/pick", Pick);
        return app;
    }

    private static async Task<IResult> Pick(string env, string service, string? key, IDocumentStore store, CancellationToken ct)
    {
        if (key is null)
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "key is required", detail: "pick?key=<shard key>");
        if (key.Length > MaxKeyLength)
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"the key is longer than {MaxKeyLength} characters");
        EnvironmentState? state;
        await using (var session = store.QuerySession())
            state = await session.Events.AggregateStreamAsync<EnvironmentState>(Streams.Environment(env), token: ct);
        if (state is null || state.Deleted)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"environment {env} does not exist");
        if (state.Deployed.GetValueOrDefault(service) is not { } deployed || ServiceInstances.Pick(ServiceInstances.Of(deployed), key) is not { } chosen)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{env} runs no service {service}");
        return Results.Ok(new { service, key, canisterId = chosen.CanisterId, subnetId = chosen.SubnetId, shard = chosen.Shard });
    }
}
