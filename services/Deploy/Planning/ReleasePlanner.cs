using Platform.Candid;
using Platform.Deploy.Environments;
using Platform.Deploy.Modules;
using Platform.Deploy.Registry;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Planning;

/// <summary>A plan ready to record: the services' actions in install order.</summary>
public sealed record ReleasePlan(IReadOnlyList<ServicePlan> Services, IReadOnlyList<string> InstallOrder);

/// <summary>
/// Validates a file against the module catalog (every selector resolves to a sound version, init arguments
/// type-check against the module's Candid interface) and works out, per service, what a release must do compared
/// with what the environment runs now.
/// </summary>
internal sealed class ReleasePlanner(IModuleCatalog catalog)
{
    /// <summary>Stands in for canister ids while init arguments are type-checked (the real ids exist only once created).</summary>
    private const string PlaceholderPrincipal = "aaaaa-aa";

    public async Task<ReleasePlan> PlanAsync(EnvironmentDocument document, EnvironmentState? current, IReadOnlySet<string> reinstall,
        CancellationToken cancellationToken)
    {
        var problems = new List<FileProblem>();
        var order = Placeholders.InstallOrder(document, problems);
        foreach (var name in reinstall)
            if (document.Services.All(s => s.Name != name))
                problems.Add(new FileProblem("reinstall", $"'{name}' is not a service of this environment"));

        var plans = new List<ServicePlan>();
        foreach (var service in document.Services)
        {
            var path = $"spec.services.{service.Name}";
            ModuleVersion? version;
            try
            {
                version = await catalog.ResolveAsync(service.Module, service.Selector, null, cancellationToken);
            }
            catch (Exception e) when (e is AmbiguousSelectorException or InvalidSelectorException)
            {
                problems.Add(new FileProblem(path + ".module", e.Message));
                continue;
            }
            if (version is null)
            {
                problems.Add(new FileProblem(path + ".module", $"{service.Module}@{service.Selector} resolves to no module version"));
                continue;
            }
            if (version.Corrupted)
            {
                problems.Add(new FileProblem(path + ".module", $"{service.Module}@{service.Selector} ({version.Digest}) is marked corrupted: its stored bytes no longer match {version.ModuleHash}"));
                continue;
            }
            if (CheckInit(service, version, path) is { } problem)
            {
                problems.Add(problem);
                continue;
            }

            var deployed = current is { Deleted: false } ? current.Deployed.GetValueOrDefault(service.Name) : null;
            var action = deployed is null ? PlanActions.CreateInstall
                : service.Reinstall || reinstall.Contains(service.Name) ? PlanActions.Reinstall
                : deployed.ModuleHash != version.ModuleHash || deployed.Init != service.Init ? PlanActions.Upgrade
                : PlanActions.None;
            plans.Add(new ServicePlan(service.Name, action, service.Module, service.Selector, version.Digest, version.ModuleHash,
                service.Init, service.Subnet, service.Cycles?.ToString(System.Globalization.CultureInfo.InvariantCulture), service.Persistence,
                deployed?.CanisterId, deployed?.Selector, deployed?.Digest, deployed?.ModuleHash, deployed?.Init,
                service.Replicas, service.Scaling, service.Sharding));
        }
        if (problems.Count > 0) throw new EnvironmentFileException(problems);

        // The registry first: every service may name it. Services the file no longer names are removed, after
        // everything else succeeded.
        plans.Add(RegistryPlan(current));
        order = [RegistryCanister.ServiceName, .. order];
        if (current is { Deleted: false })
            foreach (var gone in current.Deployed.Values.Where(d => d.Name != RegistryCanister.ServiceName && document.Services.All(s => s.Name != d.Name))
                         .OrderBy(d => d.Name, StringComparer.Ordinal))
                plans.Add(Removal(gone));
        var ordered = order.Select(n => plans.First(p => p.Name == n)).Concat(plans.Where(p => p.Action == PlanActions.Delete)).ToList();
        return new ReleasePlan(ordered, order);
    }

    /// <summary>
    /// The environment's registry canister, which no file names: installed with the first release, upgraded (state
    /// kept) when Deploy carries a new build of it, else left alone.
    /// </summary>
    private static ServicePlan RegistryPlan(EnvironmentState? current)
    {
        var version = RegistryCanister.Version;
        var deployed = current is { Deleted: false } ? current.Deployed.GetValueOrDefault(RegistryCanister.ServiceName) : null;
        var action = deployed is null ? PlanActions.CreateInstall : deployed.ModuleHash != version.ModuleHash ? PlanActions.Upgrade : PlanActions.None;
        return new ServicePlan(RegistryCanister.ServiceName, action, RegistryCanister.ModuleName, RegistryCanister.Selector, version.Digest, version.ModuleHash,
            null, "any", null, "keep", deployed?.CanisterId, deployed?.Selector, deployed?.Digest, deployed?.ModuleHash, deployed?.Init, null, null, null);
    }

    /// <summary>Deleting the environment: every canister it runs goes.</summary>
    public static ReleasePlan Deletion(EnvironmentState current) =>
        new([.. current.Deployed.Values.OrderBy(d => d.Name, StringComparer.Ordinal).Select(Removal)], []);

    private static ServicePlan Removal(DeployedServiceState d) =>
        new(d.Name, PlanActions.Delete, d.Module, d.Selector, d.Digest, d.ModuleHash, d.Init, "any", null, d.Persistence, d.CanisterId,
            d.Selector, d.Digest, d.ModuleHash, d.Init, d.Replicas, d.Scaling, d.Sharding);

    private static FileProblem? CheckInit(ServiceSpec service, ModuleVersion version, string path)
    {
        try
        {
            EncodeInit(service.Init, version.Candid, _ => PlaceholderPrincipal);
            return null;
        }
        catch (CandidParseException e)
        {
            return new FileProblem(path + ".init", $"Candid: {e.Message}", e.Line, e.Column);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            return new FileProblem(path + ".init", e.Message);
        }
    }

    /// <summary>
    /// The init argument bytes: the Candid text with placeholders replaced, typed by the module's interface. No
    /// text: empty arguments, which only a module taking none (or only optional ones) accepts.
    /// </summary>
    public static byte[] EncodeInit(string? init, string? candid, Func<string, string> canisterIdOf)
    {
        var description = candid is null ? null : CandidText.ParseService(candid);
        var expected = description?.InitArgs ?? [];
        if (init is null)
        {
            if (expected.Any(t => t.Kind is not (CandidTypeKind.Opt or CandidTypeKind.Null or CandidTypeKind.Reserved)))
                throw new InvalidOperationException($"the module takes init arguments {CandidText.Print(CandidType.Tuple(expected))}: set init");
            return CandidBinary.Encode(CandidText.ParseArgs("()", expected, description?.Types));
        }
        if (description is null)
            throw new InvalidOperationException("the module has no Candid interface to check its init arguments against");
        var text = Placeholders.Substitute(init, canisterIdOf);
        return CandidBinary.Encode(CandidText.ParseArgs(text, expected, description.Types));
    }
}
