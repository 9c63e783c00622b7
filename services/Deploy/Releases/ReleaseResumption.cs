using Platform.Candid;
using Platform.Engine.Client;

namespace Platform.Deploy.Releases;

/// <summary>A release that was running when Deploy stopped is carried on by the next Deploy (the attempt is counted).</summary>
public sealed record ReleaseResumed(Guid ReleaseId, int Attempt, DateTimeOffset At);

public sealed partial class ReleaseState
{
    /// <summary>How often the release was carried on after Deploy restarted in the middle of it.</summary>
    public int Resumes { get; set; }

    public void Apply(ReleaseResumed e) => Resumes = e.Attempt;
}

/// <summary>
/// Resuming after a restart. Deploy may stop (a crash, a deployment of Deploy itself) while a release is running, or
/// after it was approved or planned and before it started. On start every environment's unfinished latest release
/// is queued again, and a running one is carried on to its end rather than rolled back: it was planned, validated and
/// (where protected) approved, and rolling it back would make its authors apply again and its approvers vote again
/// for a change nobody rejected, like a Kubernetes controller that picks a rollout up where it was. Carrying on is
/// safe because every step is recorded before the next one: canisters the release created are reused, installs it
/// recorded are not repeated, and an install the engine finished just before the stop (the module hash is already the
/// new one) is recognised rather than done twice. What fails from there rolls back as in any release, the steps done
/// before the restart included. A release that keeps stopping Deploy (interrupted <see cref="MaxResumes"/> times) is
/// rolled back instead, so a release cannot keep a crashing Deploy in a loop.
/// </summary>
internal sealed partial class ReleaseRunner
{
    internal const int MaxResumes = 2;

    /// <summary>Queues each environment's unfinished release: planned (not protected), approved, or running.</summary>
    private async Task ResumeInterruptedAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (_, _, latest) in EnvironmentStreams.LatestAsync(store, database, ct))
            {
                if (latest is null || !(latest.Status is ReleaseStatus.Approved or ReleaseStatus.Running || (latest.Status == ReleaseStatus.Planned && !latest.Protected)))
                    continue;
                LogResuming(latest.ReleaseId, latest.Environment, latest.Status);
                Enqueue(latest.ReleaseId);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database is not there yet (or its schema is still being created): new releases must still run.
            LogResumeFailed(e);
        }
    }

    /// <summary>
    /// Records the start of a release, or its resumption when it was already running; false when it is rolled back
    /// instead (interrupted too often).
    /// </summary>
    private async Task<bool> StartOrResumeAsync(ReleaseState release, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        if (release.Status != ReleaseStatus.Running)
        {
            await AppendAsync(release.ReleaseId, release, new ReleaseStarted(release.ReleaseId, now), ct);
            return true;
        }
        if (release.Resumes < MaxResumes)
        {
            await AppendAsync(release.ReleaseId, release, new ReleaseResumed(release.ReleaseId, release.Resumes + 1, now), ct);
            release.Resumes++;
            return true;
        }
        var instance = await engine.InstanceAsync(ct);
        var ids = release.Services.Where(p => p.CanisterId is not null).ToDictionary(p => p.Name, p => p.CanisterId!, StringComparer.Ordinal);
        foreach (var (service, id) in release.CreatedCanisters) ids[service] = id;
        var changes = release.Installed.Select(name => release.Services.First(p => p.Name == name))
            .Select(p => new Change(p, p.Action == PlanActions.CreateInstall, ids[p.Name])).ToList();
        var created = release.CreatedCanisters.Select(c => (c.Key, Principal.FromText(c.Value))).ToList();
        var reason = $"the release was interrupted by {release.Resumes + 1} restarts of Deploy: rolled back";
        LogReleaseFailed(release.ReleaseId, reason);
        var rolledBack = await RollBackAsync(instance, engine.Controller, changes, created, ids, ct);
        var env = await LoadAsync<EnvironmentState>(Streams.Environment(release.Environment), ct);
        if (env is { Deleted: false } && env.Deployed.ContainsKey(Registry.RegistryCanister.ServiceName))
            await RepublishAsync(release.Environment, env.Deployed.Values, ct);
        await EndAsync(release.ReleaseId, release, reason, changed: changes.Any(c => !c.Created || c.Plan.Name != Registry.RegistryCanister.ServiceName), rolledBack, ct);
        return false;
    }

    /// <summary>Canisters a resumed release created before the restart: used again, and deleted again if it rolls back.</summary>
    private static async Task RecallCreatedAsync(PocketIcInstance instance, ReleaseState release, Dictionary<string, string> ids,
        Dictionary<string, string> subnets, List<(string Service, Principal Id)> created, CancellationToken ct)
    {
        foreach (var (service, text) in release.CreatedCanisters)
        {
            var id = Principal.FromText(text);
            ids[service] = text;
            subnets[service] = (await instance.GetSubnetAsync(id, ct))?.ToString() ?? "";
            created.Add((service, id));
        }
    }

    /// <summary>
    /// Whether a resumed release installed this service before the restart: recorded, or done on the engine just
    /// before the stop (the canister already runs the new module, which it did not before), then recorded now.
    /// </summary>
    private async Task<bool> InstalledBeforeAsync(PocketIcInstance instance, ReleaseState release, ServicePlan plan, Principal canister, CancellationToken ct)
    {
        if (release.Resumes == 0) return false;
        if (release.Installed.Contains(plan.Name)) return true;
        if (plan.Action is not (PlanActions.CreateInstall or PlanActions.Upgrade) || plan.PreviousModuleHash == plan.ModuleHash) return false;
        var status = await instance.Management.CanisterStatusAsync(engine.Controller, canister, ct);
        if (status.ModuleHashText != plan.ModuleHash) return false;
        await AppendAsync(release.ReleaseId, release, new ServiceInstalled(release.ReleaseId, plan.Name, plan.Action, canister.ToString(), plan.ModuleHash, DateTimeOffset.UtcNow), ct);
        return true;
    }

    /// <summary>A removal, unless a resumed release already made it before the restart.</summary>
    private async Task RemoveOnceAsync(PocketIcInstance instance, ReleaseState release, Principal canister, CancellationToken ct)
    {
        if (release.Resumes > 0)
        {
            try
            {
                await instance.Management.CanisterStatusAsync(engine.Controller, canister, ct);
            }
            catch (CanisterRejectedException e) when (e.Reject.RejectCode == 3 || e.Reject.RejectMessage.Contains("not found", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }
        await RemoveAsync(instance, engine.Controller, canister, ct);
    }

    [LoggerMessage(EventId = 1318, Level = LogLevel.Error, Message = "looking for releases interrupted by the last stop failed")]
    private partial void LogResumeFailed(Exception exception);

    [LoggerMessage(EventId = 1317, Level = LogLevel.Information, Message = "release {ReleaseId} of {Environment} was {Status} when Deploy stopped: carrying it on")]
    private partial void LogResuming(Guid releaseId, string environment, string status);
}
