using Marten;
using Platform.Scaler.Environments;
using Platform.Scaler.Policy;
using Platform.Scaler.Signals;

namespace Platform.Scaler.Api;

/// <summary>
/// <c>GET /api/v1/scaler/load?namespace=&amp;environment=</c>: the series behind the state, for charts and a topology
/// view: every deployed instance's load points of the window the Scaler keeps (oldest first), the calls between
/// canisters in the subnets' latest samples (those touching the selected environments' canisters), and the
/// subnets' loads. Authorized by the gateway like the rest of the Scaler's API.
/// </summary>
internal static class ScalerLoadEndpoint
{
    public static WebApplication MapScalerLoad(this WebApplication app)
    {
        app.MapGet("/api/v1/scaler/load", LoadAsync);
        return app;
    }

    private static async Task<IResult> LoadAsync(string? @namespace, string? environment, IQuerySession session, LoadWindow window,
        ScalerOptions options, CancellationToken ct)
    {
        var query = session.Query<EnvironmentState>().AsQueryable();
        if (Given(@namespace) is { } ns)
            query = query.Where(e => e.Namespace == ns);
        if (Given(environment) is { } env)
            query = query.Where(e => e.Environment == env);
        var environments = await query.OrderBy(e => e.Id).ToListAsync(ct);
        var instances = environments
            .SelectMany(e => e.Services.SelectMany(s => s.Instances.Select(i => (e.Namespace, e.Environment, Service: s.Name, Instance: i))))
            .ToList();
        var history = window.History(instances.Select(i => i.Instance.CanisterId));
        var selected = instances.Select(i => i.Instance.CanisterId).ToHashSet(StringComparer.Ordinal);
        var (calls, _) = window.Graph();
        return Results.Json(new
        {
            canisters = instances.Select(i => new
            {
                i.Namespace,
                i.Environment,
                i.Service,
                i.Instance.CanisterId,
                i.Instance.SubnetId,
                i.Instance.Shard,
                points = history.GetValueOrDefault(i.Instance.CanisterId, []).Select(p => new
                {
                    at = p.At,
                    p.Load.MessagesPerSecond,
                    p.Load.InstructionsPerSecond,
                    p.Load.MemoryBytes,
                    p.Load.QueueDepth,
                    p.Load.Traps,
                    p.Load.Status,
                }),
            }),
            calls = calls.Where(c => selected.Contains(c.Caller) || selected.Contains(c.Callee))
                .GroupBy(c => (c.Caller, c.Callee))
                .Select(g => new { g.Key.Caller, g.Key.Callee, calls = g.Sum(c => c.Calls) }),
            subnets = window.Subnets().Select(s => new
            {
                s.SubnetId,
                s.Kind,
                at = s.At,
                s.InstructionsPerSecond,
                utilisation = Math.Round(s.InstructionsPerSecond / options.InstructionsPerSubnet, 4),
            }),
        });
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
