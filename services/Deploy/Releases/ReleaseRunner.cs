using System.Security.Cryptography;
using System.Threading.Channels;
using Marten;
using Platform.Candid;
using Platform.Deploy.Engine;
using Platform.Deploy.Modules;
using Platform.Deploy.Planning;
using Platform.Deploy.Registry;
using Platform.Engine.Client;

namespace Platform.Deploy.Releases;

/// <summary>A step of a release that cannot be carried out; the release rolls back what it changed.</summary>
internal sealed class ReleaseFault(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Carries out approved releases on the engine, one at a time (two releases of one environment must not
/// interleave; across environments, one at a time keeps the engine's instance gate uncontended). All canisters
/// are created first, then code is installed in dependency order, each install checked against the registry's
/// module hash; on any failure the services changed so far are put back to their previous module, canisters
/// created by the release are deleted, and the release ends rolled-back with the reason.
/// </summary>
internal sealed partial class ReleaseRunner(IDocumentStore store, EngineConnection engine, IModuleCatalog catalog, ILogger<ReleaseRunner> logger,
    RegistrySync registry) : BackgroundService
{
    private readonly IModuleCatalog _modules = RegistryCanister.With(catalog);
    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>();

    public void Enqueue(Guid releaseId) => _queue.Writer.TryWrite(releaseId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await RunAsync(id, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReleaseCrashed(e, id);
                await EndAsync(id, null, $"the release could not be carried out: {e.Message}", changed: false, [], CancellationToken.None);
            }
        }
    }

    private sealed record Change(ServicePlan Plan, bool Created, string CanisterId);

    internal async Task RunAsync(Guid releaseId, CancellationToken ct)
    {
        var release = await LoadAsync<ReleaseState>(Streams.Release(releaseId), ct);
        if (release is null || release.Status is not (ReleaseStatus.Planned or ReleaseStatus.Approved) || (release.Protected && release.Status != ReleaseStatus.Approved))
            return;
        await AppendAsync(releaseId, release, new ReleaseStarted(releaseId, DateTimeOffset.UtcNow), ct);

        var instance = await engine.InstanceAsync(ct);
        var controller = engine.Controller;
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var subnets = new Dictionary<string, string>(StringComparer.Ordinal);
        var env = await LoadAsync<EnvironmentState>(Streams.Environment(release.Environment), ct);
        foreach (var d in env?.Deployed.Values.ToList() ?? [])
        {
            ids[d.Name] = d.CanisterId;
            subnets[d.Name] = d.SubnetId;
        }
        var changes = new List<Change>();
        var created = new List<(string Service, Principal Id)>();
        try
        {
            var topology = await instance.GetTopologyAsync(ct);
            var application = topology.ApplicationSubnets.ToList();
            foreach (var plan in release.Services.Where(p => p.Action == PlanActions.CreateInstall))
            {
                var subnet = SubnetFor(plan.Subnet, application, plan.Name);
                var cycles = plan.Cycles is { } c ? System.Numerics.BigInteger.Parse(c, System.Globalization.CultureInfo.InvariantCulture) : (System.Numerics.BigInteger?)null;
                var id = await Engine(() => instance.Management.CreateCanisterAsync(controller,
                    new CanisterSettings { Controllers = [controller] }, cycles, subnet, cancellationToken: ct), $"creating {plan.Name}");
                created.Add((plan.Name, id));
                var on = await instance.GetSubnetAsync(id, ct);
                ids[plan.Name] = id.ToString();
                subnets[plan.Name] = on?.ToString() ?? "";
                await AppendAsync(releaseId, release, new ServiceCanisterCreated(releaseId, plan.Name, id.ToString(), subnets[plan.Name]), ct);
            }

            foreach (var plan in release.InstallOrder.Select(n => release.Services.First(p => p.Name == n))
                         .Where(p => p.Action is PlanActions.CreateInstall or PlanActions.Upgrade or PlanActions.Reinstall))
            {
                var canister = Principal.FromText(ids[plan.Name]);
                var wasm = await VerifiedWasmAsync(plan.Module, plan.Digest, plan.ModuleHash, plan.Name, ct);
                var version = await _modules.ResolveAsync(plan.Module, plan.Digest, null, ct);
                byte[] arg;
                try
                {
                    arg = ReleasePlanner.EncodeInit(plan.Init, version?.Candid, name => ids.TryGetValue(name, out var id) ? id : throw new ReleaseFault($"no canister for {name}"));
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or CandidParseException)
                {
                    throw new ReleaseFault($"{plan.Name}: init arguments: {e.Message}", e);
                }
                var mode = plan.Action switch
                {
                    PlanActions.CreateInstall => InstallMode.Install,
                    PlanActions.Reinstall => InstallMode.Reinstall,
                    _ => InstallMode.Upgrade(plan.Persistence is null ? null : plan.Persistence == "keep"),
                };
                await Engine(() => instance.Management.InstallCodeAsync(controller, canister, wasm, arg, mode, ct), $"{plan.Action} of {plan.Name}");
                changes.Add(new Change(plan, plan.Action == PlanActions.CreateInstall, ids[plan.Name]));
                await CheckInstalledAsync(instance, controller, canister, plan.ModuleHash, plan.Name, ct);
                await AppendAsync(releaseId, release, new ServiceInstalled(releaseId, plan.Name, plan.Action, ids[plan.Name], plan.ModuleHash, DateTimeOffset.UtcNow), ct);
            }

            // The registry points at the new canisters before the removed ones go, so callers stop finding them first.
            if (!release.DeletesEnvironment && ids.ContainsKey(RegistryCanister.ServiceName))
                await PublishAsync(release.Environment, release.Services.Where(p => p.Action != PlanActions.Delete).ToDictionary(
                    p => p.Name, IReadOnlyList<string> (p) => [ids[p.Name]], StringComparer.Ordinal), ct);

            // Removals last: they cannot be undone, so only once everything else is in place.
            foreach (var plan in release.Services.Where(p => p.Action == PlanActions.Delete))
            {
                var canister = Principal.FromText(plan.CanisterId!);
                await RemoveAsync(instance, controller, canister, ct);
                ids.Remove(plan.Name);
            }
        }
        catch (Exception e) when (e is ReleaseFault or PocketIcException or CanisterRejectedException or HttpRequestException or TimeoutException)
        {
            var reason = e.Message;
            LogReleaseFailed(releaseId, reason);
            var rolledBack = await RollBackAsync(instance, controller, changes, created, ids, ct);
            if (env is { Deleted: false } && env.Deployed.ContainsKey(RegistryCanister.ServiceName))
                await RepublishAsync(release.Environment, env.Deployed.Values, ct);
            // Empty canisters created and deleted again changed nothing the environment ran: that is a plain failure
            // (and so is a first release's new registry, installed and deleted again before any service was).
            var changed = changes.Any(c => !c.Created || c.Plan.Name != RegistryCanister.ServiceName);
            await EndAsync(releaseId, release, reason, changed, rolledBack, ct);
            return;
        }

        var services = release.Services.Where(p => p.Action != PlanActions.Delete).Select(p => new DeployedServiceState(
            p.Name, ids[p.Name], subnets.GetValueOrDefault(p.Name, ""), p.Module, p.Selector, p.Digest, p.ModuleHash, p.Init, p.Persistence,
            p.Replicas, p.Scaling, p.Sharding)).ToList();
        await using var session = store.Session(new Actor(release.PlannedBy));
        var now = DateTimeOffset.UtcNow;
        session.Events.Append(Streams.Release(releaseId), new ReleaseSucceeded(releaseId, services, now));
        session.Events.Append(Streams.Environment(release.Environment), release.DeletesEnvironment
            ? new EnvironmentDeleted(release.Namespace, release.Environment, releaseId)
            : new EnvironmentReleased(release.Namespace, release.Environment, releaseId, services));
        await session.SaveChangesAsync(ct);
        LogReleaseSucceeded(releaseId, release.Environment);
    }

    private static Principal? SubnetFor(string subnet, IReadOnlyList<SubnetTopology> application, string service)
    {
        if (subnet == "any") return null;
        if (int.TryParse(subnet, out var index))
            return index >= 0 && index < application.Count ? application[index].Id
                : throw new ReleaseFault($"{service}: subnet {index} does not exist (the engine has {application.Count} application subnets)");
        return Principal.TryParse(subnet, out var id) && application.Any(s => s.Id == id) ? id
            : throw new ReleaseFault($"{service}: subnet {subnet} is not an application subnet of the engine");
    }

    /// <summary>The module's bytes, refused unless they hash to what the registry recorded at push.</summary>
    private async Task<byte[]> VerifiedWasmAsync(string module, string digest, string moduleHash, string service, CancellationToken ct)
    {
        byte[] wasm;
        try
        {
            wasm = await _modules.WasmAsync(module, digest, ct);
        }
        catch (HttpRequestException e)
        {
            throw new ReleaseFault($"{service}: the module {module}@{digest} cannot be read: {e.Message}", e);
        }
        var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(wasm));
        if (actual != moduleHash)
            throw new ReleaseFault($"{service}: the stored module {module}@{digest} hashes to {actual}, not the registry's {moduleHash}: refused");
        return wasm;
    }

    private async Task PublishAsync(string environment, IReadOnlyDictionary<string, IReadOnlyList<string>> services, CancellationToken ct)
    {
        try { await registry.PublishAsync(environment, services, ct); }
        catch (CanisterRejectedException e) { throw new ReleaseFault($"updating the registry failed: {e.Reject.RejectMessage}", e); }
        catch (InvalidOperationException e) { throw new ReleaseFault($"updating the registry failed: {e.Message}", e); }
    }

    /// <summary>After a rollback: the registry names what runs again (the release may have published its own map).</summary>
    private async Task RepublishAsync(string environment, IEnumerable<DeployedServiceState> services, CancellationToken ct)
    {
        try
        {
            await registry.PublishAsync(environment, RegistrySync.MapOf(services), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRegistryNotRestored(e, environment);
        }
    }

    private static async Task CheckInstalledAsync(PocketIcInstance instance, Principal controller, Principal canister, string moduleHash, string service, CancellationToken ct)
    {
        var status = await instance.Management.CanisterStatusAsync(controller, canister, ct);
        if (status.ModuleHashText != moduleHash)
            throw new ReleaseFault($"{service}: the engine reports module hash {status.ModuleHashText ?? "none"} after the install, not {moduleHash}");
    }

    private static async Task Engine(Func<Task> step, string what)
    {
        try { await step(); }
        catch (CanisterRejectedException e) { throw new ReleaseFault($"{what} failed: {e.Reject.RejectMessage}", e); }
    }

    private static async Task<T> Engine<T>(Func<Task<T>> step, string what)
    {
        try { return await step(); }
        catch (CanisterRejectedException e) { throw new ReleaseFault($"{what} failed: {e.Reject.RejectMessage}", e); }
    }

    private static async Task RemoveAsync(PocketIcInstance instance, Principal controller, Principal canister, CancellationToken ct)
    {
        await Engine(() => instance.Management.StopCanisterAsync(controller, canister, ct), $"stopping {canister}");
        await Engine(() => instance.Management.DeleteCanisterAsync(controller, canister, ct), $"deleting {canister}");
    }

    /// <summary>Puts back what the release changed, newest first; what cannot be put back is logged and named.</summary>
    private async Task<List<string>> RollBackAsync(PocketIcInstance instance, Principal controller, List<Change> changes,
        List<(string Service, Principal Id)> created, Dictionary<string, string> ids, CancellationToken ct)
    {
        var rolledBack = new List<string>();
        for (var i = changes.Count - 1; i >= 0; i--)
        {
            var change = changes[i];
            if (change.Created) continue; // deleted below with the other new canisters
            var p = change.Plan;
            try
            {
                var wasm = await VerifiedWasmAsync(p.Module, p.PreviousDigest!, p.PreviousModuleHash!, p.Name, ct);
                var version = await _modules.ResolveAsync(p.Module, p.PreviousDigest!, null, ct);
                var arg = ReleasePlanner.EncodeInit(p.PreviousInit, version?.Candid, name => ids[name]);
                var mode = p.Action == PlanActions.Reinstall ? InstallMode.Reinstall : InstallMode.Upgrade(p.Persistence is null ? null : p.Persistence == "keep");
                await instance.Management.InstallCodeAsync(controller, Principal.FromText(change.CanisterId), wasm, arg, mode, ct);
                rolledBack.Add(p.Name);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRollbackFailed(e, p.Name);
            }
        }
        foreach (var (service, id) in created)
        {
            try
            {
                await RemoveAsync(instance, controller, id, ct);
                rolledBack.Add(service);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRollbackFailed(e, service);
            }
        }
        return rolledBack;
    }

    private async Task EndAsync(Guid releaseId, ReleaseState? release, string reason, bool changed, List<string> rolledBack, CancellationToken ct)
    {
        release ??= await LoadAsync<ReleaseState>(Streams.Release(releaseId), ct);
        if (release is null || ReleaseStatus.IsFinal(release.Status)) return;
        await using var session = store.Session(new Actor(release.PlannedBy));
        var now = DateTimeOffset.UtcNow;
        object end = changed ? new ReleaseRolledBack(releaseId, reason, rolledBack, now) : new ReleaseFailed(releaseId, reason, now);
        session.Events.Append(Streams.Release(releaseId), end);
        var env = await LoadAsync<EnvironmentState>(Streams.Environment(release.Environment), ct);
        session.Events.Append(Streams.Environment(release.Environment),
            new EnvironmentReleaseEnded(release.Namespace, release.Environment, releaseId, changed ? ReleaseStatus.RolledBack : ReleaseStatus.Failed,
                reason, env?.Deployed.Values.ToList() ?? []));
        await session.SaveChangesAsync(ct);
    }

    private async Task AppendAsync(Guid releaseId, ReleaseState release, object e, CancellationToken ct)
    {
        await using var session = store.Session(new Actor(release.PlannedBy));
        session.Events.Append(Streams.Release(releaseId), e);
        await session.SaveChangesAsync(ct);
    }

    private async Task<T?> LoadAsync<T>(string stream, CancellationToken ct) where T : class
    {
        await using var session = store.QuerySession();
        return await session.Events.AggregateStreamAsync<T>(stream, token: ct);
    }

    [LoggerMessage(EventId = 1311, Level = LogLevel.Information, Message = "release {ReleaseId} of {Environment} succeeded")]
    private partial void LogReleaseSucceeded(Guid releaseId, string environment);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Warning, Message = "release {ReleaseId} failed: {Reason}")]
    private partial void LogReleaseFailed(Guid releaseId, string reason);

    [LoggerMessage(EventId = 1313, Level = LogLevel.Error, Message = "rolling back {Service} failed")]
    private partial void LogRollbackFailed(Exception exception, string service);

    [LoggerMessage(EventId = 1314, Level = LogLevel.Error, Message = "release {ReleaseId} crashed")]
    private partial void LogReleaseCrashed(Exception exception, Guid releaseId);

    [LoggerMessage(EventId = 1315, Level = LogLevel.Error, Message = "the registry of {Environment} could not be put back after the rollback")]
    private partial void LogRegistryNotRestored(Exception exception, string environment);
}
