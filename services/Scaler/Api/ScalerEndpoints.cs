using System.Globalization;
using Marten;
using Platform.Scaler.Decisions;
using Platform.Scaler.Environments;
using Platform.Scaler.Policy;
using Platform.Scaler.Signals;

namespace Platform.Scaler.Api;

/// <summary>
/// The Scaler's read API, behind the gateway (which admits admins, and the members of the namespace a request
/// names with <c>namespace=</c>):
/// <list type="bullet">
/// <item><c>GET /api/v1/scaler/decisions?namespace=&amp;environment=&amp;service=&amp;since=&amp;limit=</c>: decisions,
/// newest first, with the signals that caused them.</item>
/// <item><c>GET /api/v1/scaler/state?namespace=&amp;environment=</c>: each environment's services as deployed (their
/// instances with each one's latest load), their last decision, and the subnets' loads.</item>
/// </list>
/// </summary>
internal static class ScalerEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static WebApplication MapScalerApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/scaler");
        api.MapGet("/decisions", DecisionsAsync);
        api.MapGet("/state", StateAsync);
        return app;
    }

    private static async Task<IResult> DecisionsAsync(HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        DateTimeOffset? since = null;
        if (q["since"].ToString() is { Length: > 0 } s)
        {
            if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                since = t;
            else
                errors["since"] = ["since must be an ISO 8601 time, e.g. 2026-12-01T10:00:00Z"];
        }
        var limit = DefaultLimit;
        if (q["limit"].ToString() is { Length: > 0 } l && !(int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxLimit))
            errors["limit"] = [$"limit must be a number from 1 to {MaxLimit}"];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var query = session.Query<DecisionRecord>().AsQueryable();
        if (Given(q["namespace"]) is { } ns)
            query = query.Where(d => d.Namespace == ns);
        if (Given(q["environment"]) is { } environment)
            query = query.Where(d => d.Environment == environment);
        if (Given(q["service"]) is { } service)
            query = query.Where(d => d.Service == service);
        if (since is { } from)
            query = query.Where(d => d.DecidedAt >= from);
        var decisions = await query.OrderByDescending(d => d.DecidedAt).Take(limit).ToListAsync(ct);
        return Results.Json(new { decisions });
    }

    private static async Task<IResult> StateAsync(HttpContext http, IQuerySession session, LoadWindow window, ScalerOptions options, CancellationToken ct)
    {
        var q = http.Request.Query;
        var query = session.Query<EnvironmentState>().AsQueryable();
        if (Given(q["namespace"]) is { } ns)
            query = query.Where(e => e.Namespace == ns);
        if (Given(q["environment"]) is { } environment)
            query = query.Where(e => e.Environment == environment);
        var environments = await query.OrderBy(e => e.Id).ToListAsync(ct);
        return Results.Json(new
        {
            environments = environments.Select(e => new
            {
                e.Namespace,
                e.Environment,
                e.ReleaseId,
                e.DeployedAt,
                services = e.Services.Select(s => new
                {
                    s.Name,
                    s.ModuleDigest,
                    s.Replicas,
                    s.Scaling,
                    s.Sharding,
                    instances = s.Instances.Select(i => new
                    {
                        i.CanisterId,
                        i.SubnetId,
                        i.Shard,
                        latest = window.Latest(i.CanisterId) is { } p
                            ? new { at = p.At, p.Load.MessagesPerSecond, p.Load.InstructionsPerSecond, p.Load.MemoryBytes, p.Load.QueueDepth, p.Load.Traps, p.Load.Status }
                            : null,
                    }),
                    lastDecision = e.Decisions.TryGetValue(s.Name, out var m) && m.Kind.Length > 0 ? new { m.At, m.Kind, m.TargetCount } : null,
                    replacing = e.Decisions.TryGetValue(s.Name, out var r) ? r.Replacing.Keys.ToList() : [],
                }),
            }),
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

    private static string? Given(Microsoft.Extensions.Primitives.StringValues value) =>
        value.ToString() is { Length: > 0 } s && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;
}
