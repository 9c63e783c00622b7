using Platform.Deploy.Reconciliation;
using Platform.Deploy.Releases;

namespace Platform.UnitTests.Deploy.Reconciliation;

public sealed class AutoHealTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static DeployedServiceState Deployed(string name, string? init = null) =>
        new(name, $"{name}-id", "subnet-1", $"shop/{name}", "v1", $"sha256:{name}-digest", $"sha256:{name}-hash", init, "keep", null, null, null);

    private static EnvironmentState Environment(bool autoHeal, params (DeployedServiceState Service, string? Drift)[] services)
    {
        var env = new EnvironmentState { Name = "staging", Namespace = "shop", AutoHeal = autoHeal };
        foreach (var (service, drift) in services)
        {
            env.Deployed[service.Name] = service;
            if (drift is not null)
                env.Drift[service.Name] = new DriftDetected("shop", "staging", service.Name, service.CanisterId, drift, service.ModuleHash, null, T0);
        }
        return env;
    }

    private static ReleaseState Release(string status, string? trigger, DateTimeOffset planned)
    {
        var release = new ReleaseState { Status = status, Trigger = trigger };
        release.Steps.Add(new ReleaseStep(ReleaseStatus.Planned, planned));
        return release;
    }

    [Fact]
    public void Each_kind_of_drift_is_put_back_to_what_the_last_release_recorded()
    {
        var env = Environment(true, (Deployed("changed"), "module-changed"), (Deployed("stopped"), "stopped"), (Deployed("gone"), "missing"),
            (Deployed("caller", "(principal \"{{canisterId:gone}}\")"), null), (Deployed("quiet"), null));

        var plan = AutoHeal.Plan(env);

        var actions = plan.Services.ToDictionary(s => s.Name, s => s.Action);
        Assert.Equal(PlanActions.Upgrade, actions["changed"]);
        Assert.Equal(PlanActions.Start, actions["stopped"]);
        Assert.Equal(PlanActions.CreateInstall, actions["gone"]);
        // It names the recreated canister in its init arguments: upgraded to learn the new id.
        Assert.Equal(PlanActions.Upgrade, actions["caller"]);
        Assert.Equal(PlanActions.None, actions["quiet"]);
        // The recorded version exactly, on the subnet it ran on; a recreated canister has no id yet, and comes before its caller.
        var gone = plan.Services.Single(s => s.Name == "gone");
        Assert.Equal(("sha256:gone-digest", "sha256:gone-hash", "subnet-1", (string?)null), (gone.Digest, gone.ModuleHash, gone.Subnet, gone.CanisterId));
        Assert.Equal("changed-id", plan.Services.Single(s => s.Name == "changed").CanisterId);
        Assert.True(plan.InstallOrder.ToList().IndexOf("gone") < plan.InstallOrder.ToList().IndexOf("caller"));
    }

    [Fact]
    public void A_heal_is_wanted_for_drift_when_nothing_is_in_flight_and_not_again_after_it_failed()
    {
        var drifted = Environment(true, (Deployed("ledger"), "stopped"));
        Assert.True(AutoHeal.Wanted(drifted, Release(ReleaseStatus.Succeeded, null, T0 - TimeSpan.FromHours(1))));
        Assert.False(AutoHeal.Wanted(Environment(false, (Deployed("ledger"), "stopped")), null));
        Assert.False(AutoHeal.Wanted(Environment(true, (Deployed("ledger"), null)), null));
        Assert.False(AutoHeal.Wanted(drifted, Release(ReleaseStatus.AwaitingApproval, null, T0)));
        Assert.False(AutoHeal.Wanted(drifted, Release(ReleaseStatus.Running, AutoHeal.Trigger, T0)));
        // A heal that failed is not repeated for the drift it tried to undo; newer drift gets a new one.
        Assert.False(AutoHeal.Wanted(drifted, Release(ReleaseStatus.RolledBack, AutoHeal.Trigger, T0 + TimeSpan.FromSeconds(1))));
        Assert.True(AutoHeal.Wanted(drifted, Release(ReleaseStatus.RolledBack, AutoHeal.Trigger, T0 - TimeSpan.FromSeconds(1))));
    }
}
