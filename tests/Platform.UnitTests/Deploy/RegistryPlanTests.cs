using System.Security.Cryptography;
using Platform.Deploy.Environments;
using Platform.Deploy.Modules;
using Platform.Deploy.Planning;
using Platform.Deploy.Registry;
using Platform.Deploy.Releases;

namespace Platform.UnitTests.Deploy;

/// <summary>The registry canister in plans: first in every environment, upgraded only for a new build, never dropped with a file's services.</summary>
public sealed class RegistryPlanTests
{
    private sealed class OneModule : IModuleCatalog
    {
        public static readonly ModuleVersion A = new("shop/a", "v1", "sha256:" + new string('a', 64), "sha256:" + new string('b', 64), "service : {}", false);

        public Task<ModuleVersion?> ResolveAsync(string name, string selector, DateTimeOffset? at, CancellationToken cancellationToken) =>
            Task.FromResult(name == A.Name ? A with { Selector = selector } : null);

        public Task<byte[]> WasmAsync(string name, string digest, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static EnvironmentDocument File(params string[] services) =>
        new("dev", "shop", false, null, false, [.. services.Select(n => new ServiceSpec(n, "shop/a", "v1", null, "any", null, null, false, null, null, null))]);

    private static DeployedServiceState Deployed(string name, string module, string hash) =>
        new(name, "rrkah-fqaaa-aaaaa-aaaaq-cai", "", module, "v1", hash, hash, null, null, null, null, null);

    private static EnvironmentState Running(params DeployedServiceState[] services) =>
        new() { Namespace = "shop", Name = "dev", Deployed = services.ToDictionary(s => s.Name) };

    private static Task<ReleasePlan> PlanAsync(EnvironmentDocument file, EnvironmentState? current) =>
        new ReleasePlanner(new OneModule()).PlanAsync(file, current, new HashSet<string>(), CancellationToken.None);

    [Fact]
    public async Task The_first_release_creates_the_registry_first_with_the_module_Deploy_carries()
    {
        var plan = await PlanAsync(File("a"), null);
        Assert.Equal(["registry", "a"], plan.InstallOrder);
        var registry = plan.Services[0];
        Assert.Equal((RegistryCanister.ServiceName, PlanActions.CreateInstall, RegistryCanister.ModuleName), (registry.Name, registry.Action, registry.Module));
        var embedded = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(RegistryCanister.Wasm));
        Assert.Equal(embedded, registry.ModuleHash);
        Assert.Contains("pick: (text, text) -> (opt principal) query", RegistryCanister.Candid.Replace("name: ", "").Replace("key: ", ""));
        Assert.Null(registry.Init);
    }

    [Fact]
    public async Task The_registry_is_left_alone_when_unchanged_and_upgraded_keeping_state_for_a_new_build()
    {
        var same = Deployed("registry", RegistryCanister.ModuleName, RegistryCanister.Version.ModuleHash);
        var plan = await PlanAsync(File("a"), Running(same, Deployed("a", "shop/a", OneModule.A.ModuleHash)));
        Assert.Equal(PlanActions.None, plan.Services.Single(s => s.Name == "registry").Action);

        var older = same with { ModuleHash = "sha256:" + new string('0', 64), Digest = "sha256:" + new string('0', 64) };
        var upgrade = (await PlanAsync(File("a"), Running(older))).Services.Single(s => s.Name == "registry");
        Assert.Equal((PlanActions.Upgrade, "keep", same.CanisterId, older.ModuleHash), (upgrade.Action, upgrade.Persistence, upgrade.CanisterId, upgrade.PreviousModuleHash));
    }

    [Fact]
    public async Task Dropping_services_from_the_file_never_removes_the_registry_but_deleting_the_environment_does()
    {
        var current = Running(Deployed("registry", RegistryCanister.ModuleName, RegistryCanister.Version.ModuleHash),
            Deployed("a", "shop/a", OneModule.A.ModuleHash), Deployed("b", "shop/a", OneModule.A.ModuleHash));
        var plan = await PlanAsync(File("a"), current);
        Assert.Equal(["registry=none", "a=none", "b=delete"], plan.Services.Select(s => $"{s.Name}={s.Action}"));

        var deletion = ReleasePlanner.Deletion(current);
        Assert.Contains(deletion.Services, s => s.Name == "registry" && s.Action == PlanActions.Delete);
    }

    [Fact]
    public async Task The_registry_catalog_answers_only_its_own_build()
    {
        var catalog = RegistryCanister.With(new OneModule());
        Assert.Equal(RegistryCanister.Version, await catalog.ResolveAsync(RegistryCanister.ModuleName, RegistryCanister.Selector, null, CancellationToken.None));
        Assert.Null(await catalog.ResolveAsync(RegistryCanister.ModuleName, "v9", null, CancellationToken.None));
        Assert.Equal(RegistryCanister.Wasm, await catalog.WasmAsync(RegistryCanister.ModuleName, RegistryCanister.Version.Digest, CancellationToken.None));
        await Assert.ThrowsAsync<ReleaseFault>(() => catalog.WasmAsync(RegistryCanister.ModuleName, "sha256:" + new string('0', 64), CancellationToken.None));
        Assert.Equal(OneModule.A.Digest, (await catalog.ResolveAsync("shop/a", "v1", null, CancellationToken.None))?.Digest);
    }
}
