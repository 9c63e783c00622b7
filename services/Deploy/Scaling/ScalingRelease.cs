using Platform.Candid;
using Platform.Contracts;
using Platform.Deploy.Environments;
using Platform.Deploy.Planning;
using Platform.Deploy.Registry;
using Platform.Deploy.Scaling;
using Platform.Engine.Client;

namespace Platform.Deploy.Releases;

/// <summary>
/// Scaling releases, carried out by the same runner as file releases (so the two never interleave on one
/// environment). New canisters get the module the service runs now, checked against the registry's hash like any
/// install, with the same init argument; canisters that go leave discovery first and are stopped and deleted
/// after. Nothing here needs approval: the module does not change, and the count stays inside the declared bounds.
/// </summary>
internal sealed partial class ReleaseRunner
{
    private async Task RunScalingAsync(Guid releaseId, ReleaseState release, ScalingStep step, PocketIcInstance instance, CancellationToken ct)
    {
        var env = await LoadAsync<EnvironmentState>(Streams.Environment(release.Environment), ct);
        if (env is null || env.Deleted || !env.Deployed.TryGetValue(step.Service, out var service))
        {
            await EndAsync(releaseId, release, $"refused: {release.Environment} runs no service {step.Service}", changed: false, [], ct);
            return;
        }
        if (step.Service == RegistryCanister.ServiceName)
        {
            // Its id is in every service's init argument: it is one canister, kept by Deploy itself.
            await EndAsync(releaseId, release, $"refused: the {RegistryCanister.ServiceName} canister is not scaled or replaced", changed: false, [], ct);
            return;
        }
        var current = ServiceInstances.Of(service);
        var application = (await instance.GetTopologyAsync(ct)).ApplicationSubnets.Select(s => s.Id.ToString()).ToList();
        if (ScalingBounds.Refusal(step, service, current, application) is { } refusal)
        {
            LogScalingRefused(releaseId, step.Service, refusal);
            await EndAsync(releaseId, release, "refused: " + refusal, changed: false, [], ct);
            return;
        }

        var controller = engine.Controller;
        var gone = new HashSet<string>(step.Action is ScalingActions.ScaleIn or ScalingActions.Replace ? step.CanisterIds : [], StringComparer.Ordinal);
        var created = new List<(string Service, Principal Id)>();
        var next = current.Where(i => !gone.Contains(i.CanisterId)).ToList();
        try
        {
            if (step.Subnets.Count > 0)
            {
                var wasm = await VerifiedWasmAsync(service.Module, service.Digest, service.ModuleHash, service.Name, ct);
                var arg = await InitArgumentAsync(service, env, ct);
                var cycles = CyclesOf(env, service.Name);
                var shard = current.Max(i => i.Shard ?? -1) + 1;
                foreach (var subnet in step.Subnets)
                {
                    var id = await Engine(() => instance.Management.CreateCanisterAsync(controller,
                        new CanisterSettings { Controllers = [controller] }, cycles, Principal.FromText(subnet), cancellationToken: ct), $"creating a canister of {service.Name}");
                    created.Add((service.Name, id));
                    var on = (await instance.GetSubnetAsync(id, ct))?.ToString() ?? subnet;
                    await AppendAsync(releaseId, release, new ServiceCanisterCreated(releaseId, service.Name, id.ToString(), on), ct);
                    await Engine(() => instance.Management.InstallCodeAsync(controller, id, wasm, arg, InstallMode.Install, ct), $"installing {service.Name} on {id}");
                    await CheckInstalledAsync(instance, controller, id, service.ModuleHash, service.Name, ct);
                    await AppendAsync(releaseId, release, new ServiceInstalled(releaseId, service.Name, step.Action, id.ToString(), service.ModuleHash, DateTimeOffset.UtcNow), ct);
                    var added = new ServiceInstance(id.ToString(), on, step.Action == ScalingActions.ShardSplit ? shard++ : null);
                    if (step.Action == ScalingActions.Replace)
                    {
                        // The replacement takes the old canister's place (and shard): keys it served stay with it.
                        var old = current.First(i => i.CanisterId == step.CanisterIds[0]);
                        next.Insert(Math.Min(current.ToList().IndexOf(old), next.Count), added with { Shard = old.Shard });
                    }
                    else
                        next.Add(added);
                }
            }
            // Discovery first: nobody is sent to a canister once it is being stopped.
            await PublishDiscoveryAsync(releaseId, release, env, service, next, ct);
        }
        catch (Exception e) when (e is ReleaseFault or PocketIcException or CanisterRejectedException or HttpRequestException or TimeoutException)
        {
            LogReleaseFailed(releaseId, e.Message);
            foreach (var (_, id) in created)
                try
                {
                    await RemoveAsync(instance, controller, id, ct);
                }
                catch (Exception cleanup) when (cleanup is not OperationCanceledException)
                {
                    LogRollbackFailed(cleanup, service.Name);
                }
            await EndAsync(releaseId, release, e.Message, changed: false, [], ct);
            return;
        }

        foreach (var canister in gone)
        {
            try
            {
                await RemoveAsync(instance, controller, Principal.FromText(canister), ct);
            }
            catch (ReleaseFault e) when (e.InnerException is CanisterRejectedException r
                && (r.Reject.RejectCode == 3 || r.Reject.RejectMessage.Contains("not found", StringComparison.OrdinalIgnoreCase)))
            {
                // Already gone from the engine (deleted by hand, or a replica that was lost): nothing to remove.
            }
            catch (Exception e) when (e is ReleaseFault or PocketIcException or CanisterRejectedException or HttpRequestException or TimeoutException)
            {
                LogReplicaNotRemoved(canister, e.Message);
                await AppendAsync(releaseId, release, new ReplicaNotRemoved(releaseId, canister, e.Message), ct);
            }
        }

        var scaled = ServiceInstances.With(service, next);
        var services = env.Deployed.Values.Select(s => s.Name == service.Name ? scaled : s).ToList();
        await using var session = store.Session(new Actor(release.PlannedBy));
        session.Events.Append(Streams.Release(releaseId), new ReleaseSucceeded(releaseId, services, DateTimeOffset.UtcNow));
        session.Events.Append(Streams.Environment(release.Environment), new EnvironmentReleased(release.Namespace, release.Environment, releaseId, services));
        await session.SaveChangesAsync(ct);
        LogScaled(releaseId, step.Action, service.Name, current.Count, next.Count);
    }

    /// <summary>
    /// Discovery's view of the service changes: the off-chain API reads it from the environment's stream, and the
    /// environment's registry canister is brought up to date in the same step.
    /// </summary>
    private async Task PublishDiscoveryAsync(Guid releaseId, ReleaseState release, EnvironmentState env, DeployedServiceState service,
        IReadOnlyList<ServiceInstance> instances, CancellationToken ct)
    {
        // The registry first: if it refuses, nothing has changed yet and the release fails as a whole.
        if (env.Deployed.ContainsKey(RegistryCanister.ServiceName))
            await PublishAsync(release.Environment, RegistrySync.MapOf(env.Deployed.Values.Select(s => s.Name == service.Name ? ServiceInstances.With(s, instances) : s)), ct);
        await using var session = store.Session(new Actor(release.PlannedBy));
        session.Events.Append(Streams.Environment(release.Environment), new DiscoveryUpdated(release.Namespace, release.Environment, releaseId, service.Name, instances));
        await session.SaveChangesAsync(ct);
    }

    /// <summary>A planned service's canisters for the registry: every replica it runs now, or the one the release created.</summary>
    private static IReadOnlyList<string> ReplicaIds(ServicePlan plan, Dictionary<string, string> ids, EnvironmentState? env) =>
        plan.Action != PlanActions.CreateInstall && env?.Deployed.GetValueOrDefault(plan.Name) is { } running
            ? [.. ServiceInstances.Of(running).Select(i => i.CanisterId)]
            : [ids[plan.Name]];

    /// <summary>The init argument the service's canisters were installed with, placeholders resolved the same way.</summary>
    private async Task<byte[]> InitArgumentAsync(DeployedServiceState service, EnvironmentState env, CancellationToken ct)
    {
        var version = await catalog.ResolveAsync(service.Module, service.Digest, null, ct);
        try
        {
            return ReleasePlanner.EncodeInit(service.Init, version?.Candid,
                name => env.Deployed.TryGetValue(name, out var other) ? other.CanisterId : throw new ReleaseFault($"no canister for {name}"));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or CandidParseException)
        {
            throw new ReleaseFault($"{service.Name}: init arguments: {e.Message}", e);
        }
    }

    /// <summary>The cycles the file gives each canister of the service (new replicas get what the first one got).</summary>
    private static System.Numerics.BigInteger? CyclesOf(EnvironmentState env, string service)
    {
        if (env.File is null) return null;
        try
        {
            return EnvironmentFile.Parse(env.File).Services.FirstOrDefault(s => s.Name == service)?.Cycles;
        }
        catch (EnvironmentFileException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 1331, Level = LogLevel.Information, Message = "scaling release {ReleaseId}: {Action} of {Service}, {From} -> {To} instances")]
    private partial void LogScaled(Guid releaseId, string action, string service, int from, int to);

    [LoggerMessage(EventId = 1332, Level = LogLevel.Warning, Message = "scaling release {ReleaseId} of {Service} refused: {Reason}")]
    private partial void LogScalingRefused(Guid releaseId, string service, string reason);

    [LoggerMessage(EventId = 1333, Level = LogLevel.Error, Message = "{CanisterId} left discovery but could not be removed from the engine: {Reason}")]
    private partial void LogReplicaNotRemoved(string canisterId, string reason);
}
