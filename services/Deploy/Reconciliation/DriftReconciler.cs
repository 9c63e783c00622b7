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
/// release's own changes are never taken for drift.
/// </summary>
internal sealed partial class DriftReconciler(IDocumentStore store, NpgsqlDataSource database, EngineConnection engine,
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
        var streams = new List<string>();
        await using (var command = database.CreateCommand("SELECT id FROM deploy.mt_streams WHERE id LIKE 'env:%'"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                streams.Add(reader.GetString(0));
        if (streams.Count == 0) return;

        var instance = await engine.InstanceAsync(ct);
        foreach (var stream in streams)
        {
            EnvironmentState? env;
            ReleaseState? latest = null;
            await using (var query = store.QuerySession())
            {
                env = await query.Events.AggregateStreamAsync<EnvironmentState>(stream, token: ct);
                if (env?.LatestReleaseId is { } id)
                    latest = await query.Events.AggregateStreamAsync<ReleaseState>(Streams.Release(id), token: ct);
            }
            if (env is null || env.Deleted || (latest is not null && !ReleaseStatus.IsFinal(latest.Status) && latest.Status != ReleaseStatus.AwaitingApproval))
                continue;
            foreach (var (service, canisterId) in env.Deployed.Values.SelectMany(s => ServiceInstances.Of(s).Select(i => (s, i.CanisterId))))
            {
                var (kind, actual) = await ObserveAsync(instance, Principal.FromText(canisterId), service.ModuleHash, ct);
                if (kind is null || (env.Drift.GetValueOrDefault(service.Name) is { } known && known.Kind == kind && known.Actual == actual)) continue;
                try
                {
                    await using var session = store.Session(Actor.System);
                    session.Events.Append(stream, env.Version + 1,
                        new DriftDetected(env.Namespace, env.Name, service.Name, canisterId, kind, service.ModuleHash, actual, DateTimeOffset.UtcNow));
                    await session.SaveChangesAsync(ct);
                    env.Version++;
                    LogDrift(env.Name, service.Name, kind);
                }
                catch (Exception e) when (e is JasperFx.Events.EventStreamUnexpectedMaxEventIdException or JasperFx.ConcurrencyException)
                {
                    break; // the environment moved (a release): look again next time
                }
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
