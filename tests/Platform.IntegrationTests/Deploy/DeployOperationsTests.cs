using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Candid;
using Platform.Deploy.Approvals;
using Platform.Deploy.Releases;
using Platform.Engine.Client;
using Platform.IntegrationTests.EngineClient;
using Platform.IntegrationTests.Infrastructure;
using static Platform.IntegrationTests.Deploy.EnvironmentFiles;

namespace Platform.IntegrationTests.Deploy;

/// <summary>A clock the test moves forward by hand (timers keep real time, so background loops still tick).</summary>
internal sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>
/// What Deploy does on its own: approvals expire by the clock, a release interrupted by a restart is carried on (or,
/// interrupted too often, rolled back), and <c>spec.autoHeal</c> undoes drift. Each on the collection's engine, the
/// expiry and restart tests with a Deploy of their own (a clock of its own, a restart of its own).
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class DeployOperationsTests(DeployFixture fixture)
{
    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static async Task<IReadOnlyList<IEvent>> EventsAsync(IServiceProvider services, string stream)
    {
        await using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Events.FetchStreamAsync(stream);
    }

    [Fact]
    public async Task A_release_awaiting_approval_is_cancelled_by_the_clock_when_its_approvals_expire()
    {
        var clock = new ShiftedClock();
        await using var deploy = DeployHost.Start(fixture.Engine.Url, await TestDatabase.CreateAsync("deploy"), fixture.Modules,
            b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        fixture.Modules.Push("shop/ledger", "counter", "v1");
        var file = EnvFile("expiring", Service("ledger", "shop/ledger@v1", "(1)"), extra: Protected(2, "alice, bob", "72h"));
        using var applied = await deploy.ApplyAsync("expiring", file);
        Assert.Equal(HttpStatusCode.Accepted, applied.StatusCode);
        var location = applied.Headers.Location!.ToString();

        // Before its time, a round of the loop leaves it waiting.
        var expiry = deploy.Services.GetServices<IHostedService>().OfType<ApprovalExpiry>().Single();
        await expiry.ExpireAsync(CancellationToken.None);
        Assert.Equal("awaiting-approval", (await deploy.Http.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString());

        // 73 hours later nobody has voted: the loop cancels it, as Deploy itself, without a vote or an apply.
        clock.Advance(TimeSpan.FromHours(73));
        var release = await deploy.AwaitReleaseAsync(location);
        Assert.Equal("cancelled", release.GetProperty("status").GetString());
        Assert.Contains("expired", release.GetProperty("reason").GetString());
        var cancelled = (await EventsAsync(deploy.Services, Streams.Release(release.GetProperty("id").GetGuid()))).Last();
        Assert.IsType<ReleaseCancelled>(cancelled.Data);
        Assert.Equal(Actor.System.Name, cancelled.Headers![EventHeaders.Actor]?.ToString());

        // The environment takes a new release again.
        using var again = await deploy.ApplyAsync("expiring", file);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    /// <summary>Two services, the second one's module held back: a release that stops in the middle of its installs.</summary>
    private static (string File, string Slow, TestModuleCatalog Modules) Interruptible(string env)
    {
        var modules = new TestModuleCatalog();
        modules.Push("shop/ledger", "counter", "v1");
        var slow = modules.Push("shop/slow", "counter", "v1");
        return (EnvFile(env, Service("a", "shop/ledger@v1", "(7)") + Service("b", "shop/slow@v1", "(8)")), slow.Digest, modules);
    }

    /// <summary>Starts the release on a Deploy and stops that Deploy once a is installed and b's install has begun.</summary>
    private async Task<string> InterruptAsync(string database, TestModuleCatalog modules, HeldModule held, Func<DeployHost, Task<string>> start)
    {
        await using var deploy = DeployHost.Start(fixture.Engine.Url, database, modules);
        var location = await start(deploy);
        await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(90));
        var running = await deploy.AwaitReleaseAsync(location, r => Strings(r.GetProperty("installed")).Contains("a"));
        Assert.Equal("running", running.GetProperty("status").GetString());
        return location;
    }

    private static async Task<string> ApplyAsync(DeployHost deploy, string env, string file)
    {
        using var applied = await deploy.ApplyAsync(env, file);
        Assert.Equal(HttpStatusCode.Accepted, applied.StatusCode);
        return applied.Headers.Location!.ToString();
    }

    [Fact]
    public async Task A_release_interrupted_by_a_restart_is_carried_on_by_the_next_deploy()
    {
        var database = await TestDatabase.CreateAsync("deploy");
        var (file, slow, modules) = Interruptible("resumed");
        var held = modules.Hold(slow);
        var location = await InterruptAsync(database, modules, held, d => ApplyAsync(d, "resumed", file));

        // Deploy is gone with the release running; the next one carries it on where it stopped.
        held.Released.TrySetResult();
        await using var deploy = DeployHost.Start(fixture.Engine.Url, database, modules);
        var release = await deploy.AwaitReleaseAsync(location);
        Assert.Equal("succeeded", release.GetProperty("status").GetString());
        Assert.Equal(1, release.GetProperty("resumes").GetInt32());
        Assert.Equal(["a", "b"], Strings(release.GetProperty("installed")).Where(s => s != Platform.Deploy.Registry.RegistryCanister.ServiceName));

        // Each service runs once, in the canister the release created before the restart, with its init arguments.
        var instance = await deploy.InstanceAsync();
        foreach (var (service, start) in new[] { ("a", 7), ("b", 8) })
        {
            var found = await deploy.Http.GetFromJsonAsync<JsonElement>($"/api/v1/environments/resumed/services/{service}");
            var id = found.GetProperty("canisterIds")[0].GetString()!;
            Assert.Equal(id, release.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == service).GetProperty("canisterId").GetString());
            Assert.Equal(start, await CallNat(instance, id, "get"));
        }
    }

    [Fact]
    public async Task A_release_interrupted_again_and_again_is_rolled_back()
    {
        var database = await TestDatabase.CreateAsync("deploy");
        var (file, slow, modules) = Interruptible("crashy");
        var held = modules.Hold(slow);
        var location = await InterruptAsync(database, modules, held, d => ApplyAsync(d, "crashy", file));
        for (var restart = 1; restart <= Platform.Deploy.Releases.ReleaseRunner.MaxResumes; restart++)
        {
            held = modules.Hold(slow);
            await InterruptAsync(database, modules, held, _ => Task.FromResult(location));
        }

        held.Released.TrySetResult();
        await using var deploy = DeployHost.Start(fixture.Engine.Url, database, modules);
        var release = await deploy.AwaitReleaseAsync(location);
        Assert.Equal("rolled-back", release.GetProperty("status").GetString());
        Assert.Contains("interrupted", release.GetProperty("reason").GetString());
        // The canisters it created are gone again, and the environment runs nothing.
        var instance = await deploy.InstanceAsync();
        foreach (var service in release.GetProperty("services").EnumerateArray())
        {
            var id = Principal.FromText(service.GetProperty("canisterId").GetString()!);
            Assert.IsType<CallRejected>(await instance.QueryCallAsync(new CanisterCall(Principal.Anonymous, id, "get", NoArgs)));
        }
        var env = await deploy.Http.GetFromJsonAsync<JsonElement>("/api/v1/environments/crashy");
        Assert.All(env.GetProperty("services").EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("actual").ValueKind));
    }

    private static string? ActionOf(JsonElement release, string service) =>
        release.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == service).GetProperty("action").GetString();

    /// <summary>Waits for a heal release after <paramref name="after"/> to end; its JSON.</summary>
    private async Task<JsonElement> HealedAsync(string env, Guid after)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var state = await fixture.Http.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{env}");
            if (state.GetProperty("latestRelease").GetGuid() is var latest && latest != after)
                return await fixture.AwaitReleaseAsync($"/api/v1/environments/{env}/releases/{latest}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{env} was not healed: {state}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Auto_heal_puts_back_a_canister_changed_or_stopped_on_the_engine()
    {
        var v1 = fixture.Modules.Push("shop/ledger", "counter", "v1");
        var first = await fixture.ReleaseAsync("healing", EnvFile("healing",
            Service("ledger", "shop/ledger@v1", "(1)", "      upgrade: { persistence: keep }\n"), extra: "  autoHeal: true\n"));
        Assert.Equal("succeeded", first.GetProperty("status").GetString());
        var id = (await fixture.Http.GetFromJsonAsync<JsonElement>("/api/v1/environments/healing/services/ledger")).GetProperty("canisterIds")[0].GetString()!;
        var canister = Principal.FromText(id);
        var instance = await fixture.InstanceAsync();
        Assert.Equal(2, await CallNat(instance, id, "inc", query: false));

        // Someone upgrades the canister by hand: drift, then a release by Deploy itself that upgrades it back.
        await instance.Management.InstallCodeAsync(DeployFixture.Controller, canister, EngineClientLifecycleTests.Module("counter_v2"),
            CandidBinary.Encode(CandidType.Nat, CandidValue.Nat(1)), InstallMode.Upgrade(true));
        var healed = await HealedAsync("healing", first.GetProperty("id").GetGuid());
        Assert.Equal("succeeded", healed.GetProperty("status").GetString());
        Assert.Equal("autoHeal", healed.GetProperty("trigger").GetString());
        Assert.Equal(Actor.System.Name, healed.GetProperty("plannedBy").GetString());
        Assert.Equal("upgrade", ActionOf(healed, "ledger"));
        Assert.Equal(v1.ModuleHash, (await instance.Management.CanisterStatusAsync(DeployFixture.Controller, canister)).ModuleHashText);
        Assert.Equal(1, await CallNat(instance, id, "version"));
        Assert.Equal(2, await CallNat(instance, id, "get"));
        var drift = (await EventsAsync(fixture.Services, Streams.Environment("healing"))).Select(e => e.Data).OfType<DriftDetected>().Single();
        Assert.Equal("module-changed", drift.Kind);
        Assert.Equal(Actor.System.Name, healed.GetProperty("plannedBy").GetString());

        // Stopped by hand: started again, same canister, same state.
        await instance.Management.StopCanisterAsync(DeployFixture.Controller, canister);
        var started = await HealedAsync("healing", healed.GetProperty("id").GetGuid());
        Assert.Equal("succeeded", started.GetProperty("status").GetString());
        Assert.Equal("start", ActionOf(started, "ledger"));
        Assert.Equal(CanisterRunStatus.Running, (await instance.Management.CanisterStatusAsync(DeployFixture.Controller, canister)).Status);
        Assert.Equal(3, await CallNat(instance, id, "inc", query: false));
        var env = await fixture.Http.GetFromJsonAsync<JsonElement>("/api/v1/environments/healing");
        Assert.False(env.GetProperty("drift").GetBoolean(), env.ToString());
    }
}
