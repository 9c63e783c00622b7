using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Candid;
using Platform.Deploy.Engine;
using Platform.Deploy.Releases;
using Platform.Deploy.Scaling;
using Platform.Engine.Client;

namespace Platform.Deploy.Reconciliation;

/// <summary>
/// Compares what the engine runs (canister_status) with each environment's last successful release, every
/// <see cref="DeployOptions.ReconcileInterval"/>: a changed module hash, a stopped or a missing canister is
/// recorded once as <see cref="DriftDetected"/> (until the next release clears it). Environments with a release in
/// flight are skipped, and a drift is appended only if the environment's stream did not move meanwhile, so a
/// release's own changes are never taken for drift. An environment with <c>spec.autoHeal</c> then gets a release that
/// undoes its drift (<see cref="AutoHeal"/>).
/// </summary>
internal sealed partial class DriftReconciler(IDocumentStore store, NpgsqlDataSource database, EngineConnection engine, AutoHeal autoHeal,
    IOptions<DeployOptions> options, ILogger<DriftReconciler> logger) : BackgroundService
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
        PocketIcInstance? instance = null;
        await foreach (var (stream, env, latest) in EnvironmentStreams.LatestAsync(store, database, ct))
        {
            if (env.Deleted || (latest is not null && !ReleaseStatus.IsFinal(latest.Status) && latest.Status != ReleaseStatus.AwaitingApproval))
                continue;
            instance ??= await engine.InstanceAsync(ct);
            var moved = false;
            foreach (var (service, canisterId) in env.Deployed.Values.SelectMany(s => ServiceInstances.Of(s).Select(i => (s, i.CanisterId))))
            {
                var (kind, actual) = await ObserveAsync(instance, Principal.FromText(canisterId), service.ModuleHash, ct);
                if (kind is null || (env.Drift.GetValueOrDefault(service.Name) is { } known && known.Kind == kind && known.Actual == actual)) continue;
                try
                {
                    await using var session = store.Session(Actor.System);
                    var drift = new DriftDetected(env.Namespace, env.Name, service.Name, canisterId, kind, service.ModuleHash, actual, DateTimeOffset.UtcNow);
                    session.Events.Append(stream, env.Version + 1, drift);
                    await session.SaveChangesAsync(ct);
                    env.Version++;
                    env.Apply(drift);
                    LogDrift(env.Name, service.Name, kind);
                }
                catch (Exception e) when (e is JasperFx.Events.EventStreamUnexpectedMaxEventIdException or JasperFx.ConcurrencyException)
                {
                    moved = true;
                    break; // the environment moved (a release): look again next time
                }
            }
            if (!moved && AutoHeal.Wanted(env, latest))
                await autoHeal.HealAsync(stream, env, ct);
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
