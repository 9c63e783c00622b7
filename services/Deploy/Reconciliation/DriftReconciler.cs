using Marten;
using Microsoft.Extensions.Options;
using Platform.Candid;
using Platform.Deploy.Engine;
using Platform.Deploy.Releases;
using Platform.Engine.Client;

namespace Platform.Deploy.Reconciliation;

/// <summary>
/// Compares what the engine runs (canister_status) with each environment's last successful release, every
/// <see cref="DeployOptions.ReconcileInterval"/>: a changed module hash, a stopped or a missing canister is
/// recorded once as <see cref="DriftDetected"/> (until the next release clears it).
/// </summary>
internal sealed partial class DriftReconciler(IDocumentStore store, EngineConnection engine, IOptions<DeployOptions> options, ILogger<DriftReconciler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ReconcileInterval;
        if (interval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ReconcileAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReconcileFailed(e);
            }
        }
    }

    internal async Task ReconcileAsync(CancellationToken ct)
    {
        IReadOnlyList<string> streams;
        await using (var query = store.QuerySession())
        {
            streams = await query.Events.QueryAllRawEvents()
                .Where(e => e.StreamKey!.StartsWith("env:"))
                .Select(e => e.StreamKey!)
                .Distinct()
                .ToListAsync(ct);
        }
        var instance = await engine.InstanceAsync(ct);
        foreach (var stream in streams)
        {
            EnvironmentState? env;
            await using (var query = store.QuerySession())
                env = await query.Events.AggregateStreamAsync<EnvironmentState>(stream, token: ct);
            if (env is null || env.Deleted) continue;
            foreach (var service in env.Deployed.Values)
            {
                var (kind, actual) = await ObserveAsync(instance, Principal.FromText(service.CanisterId), service.ModuleHash, ct);
                if (kind is null || (env.Drift.GetValueOrDefault(service.Name) is { } known && known.Kind == kind && known.Actual == actual)) continue;
                await using var session = store.Session(Actor.System);
                session.Events.Append(stream, new DriftDetected(env.Namespace, env.Name, service.Name, service.CanisterId, kind, service.ModuleHash, actual, DateTimeOffset.UtcNow));
                await session.SaveChangesAsync(ct);
                LogDrift(env.Name, service.Name, kind);
            }
        }
    }

    private async Task<(string? Kind, string? Actual)> ObserveAsync(PocketIcInstance instance, Principal canister, string moduleHash, CancellationToken ct)
    {
        try
        {
            var status = await instance.Management.CanisterStatusAsync(engine.Controller, canister, ct);
            if (status.ModuleHashText != moduleHash) return ("module-changed", status.ModuleHashText);
            if (status.Status != CanisterRunStatus.Running) return ("stopped", status.Status.ToString().ToLowerInvariant());
            return (null, null);
        }
        catch (CanisterRejectedException e) when (e.Reject.RejectCode == 3 || e.Reject.RejectMessage.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            return ("missing", null);
        }
    }

    [LoggerMessage(EventId = 1321, Level = LogLevel.Warning, Message = "drift in {Environment}: {Service} is {Kind}")]
    private partial void LogDrift(string environment, string service, string kind);

    [LoggerMessage(EventId = 1322, Level = LogLevel.Warning, Message = "reconciliation failed")]
    private partial void LogReconcileFailed(Exception exception);
}
