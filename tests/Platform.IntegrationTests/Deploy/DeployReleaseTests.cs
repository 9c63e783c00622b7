using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using Platform.Candid;
using Platform.Engine.Client;

namespace Platform.IntegrationTests.Deploy;

/// <summary>
/// Environments applied to Deploy and carried out on the real engine: install, discovery, an inter-canister call,
/// an unchanged re-apply, upgrade keeping state, reinstall wiping it, versions side by side, approvals, rollback,
/// tampered and corrupted modules, drift, <c>?at=</c>, delete; and files refused with where they are wrong.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class DeployReleaseTests(DeployFixture fixture)
{
    private static string File(string env, string services, string ns = "shop", string extra = "") => $"""
        apiVersion: platform/v1
        kind: Environment
        metadata: {"{"} name: {env}, namespace: {ns} {"}"}
        spec:
        {extra}  services:
        {services}
        """;

    private static string Service(string name, string module, string? init = null, string extra = "") =>
        $"    {name}:\n      module: {module}\n" + (init is null ? "" : $"      init: '{init}'\n") + extra;

    private static readonly byte[] NoArgs = CandidBinary.Encode(CandidArgs.Empty);

    private async Task<BigInteger> CallNat(string canisterId, string method, bool query = true, byte[]? payload = null)
    {
        var instance = await fixture.InstanceAsync();
        var call = new CanisterCall(Principal.Anonymous, Principal.FromText(canisterId), method, payload ?? NoArgs);
        var outcome = query ? await instance.QueryCallAsync(call) : await instance.UpdateCallAsync(call);
        return CandidBinary.Decode(outcome.ReplyOrThrow(method), CandidType.Nat).AsNat();
    }

    private async Task<JsonElement> ServiceOf(string env, string name) =>
        await fixture.Http.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{env}/services/{name}");

    private static string CanisterIdOf(JsonElement service) => service.GetProperty("canisterIds")[0].GetString()!;

    private static string[] Actions(JsonElement release) =>
        [.. release.GetProperty("services").EnumerateArray().Select(s => $"{s.GetProperty("name").GetString()}={s.GetProperty("action").GetString()}")];

    [Fact]
    public async Task An_environment_is_installed_discovered_reapplied_upgraded_and_reinstalled()
    {
        fixture.Modules.Push("shop/ledger", "counter", "v1");
        fixture.Modules.Push("shop/ledger", "counter", "main:latest");
        var v2 = fixture.Modules.Push("shop/ledger", "counter_v2", "v2");
        fixture.Modules.Push("shop/frontend", "caller", "v1");
        var file = File("life", Service("ledger", "shop/ledger@main:latest", "(41)", "      upgrade: { persistence: keep }\n      cycles: 2T\n")
                                + Service("frontend", "shop/frontend@v1", extra: "      subnet: 1\n      replicas: { min: 1, max: 4 }\n"));

        // The dry run answers the plan and records nothing.
        using (var dry = await fixture.ApplyAsync("life", file, "?dryRun=true"))
        {
            Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
            var plan = await dry.Content.ReadFromJsonAsync<JsonElement>();
            // The environment's registry canister comes first, then the file's services.
            Assert.Equal(["registry=create+install", "frontend=create+install", "ledger=create+install"], Actions(plan));
        }
        using (var none = await fixture.Http.GetAsync("/api/v1/environments/life"))
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        var first = await fixture.ReleaseAsync("life", file);
        Assert.Equal("succeeded", first.GetProperty("status").GetString());
        Assert.Equal(["planned", "running", "succeeded"], first.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("status").GetString()));

        var ledger = await ServiceOf("life", "ledger");
        var frontend = await ServiceOf("life", "frontend");
        var ledgerId = CanisterIdOf(ledger);
        Assert.NotEqual(v2.ModuleHash, ledger.GetProperty("moduleHash").GetString());
        Assert.Equal("main:latest", ledger.GetProperty("version").GetProperty("selector").GetString());
        Assert.Equal(41, await CallNat(ledgerId, "get"));

        // The frontend runs on the subnet it asked for, and calls the ledger across subnets.
        var instance = await fixture.InstanceAsync();
        var topology = await instance.GetTopologyAsync();
        Assert.Equal(topology.ApplicationSubnets.ElementAt(1).Id.ToString(), frontend.GetProperty("instances")[0].GetProperty("subnetId").GetString());
        var incOther = CandidBinary.Encode(CandidType.Principal, CandidValue.Principal(Principal.FromText(ledgerId)));
        Assert.Equal(42, await CallNat(CanisterIdOf(frontend), "incOther", query: false, payload: incOther));

        // Unchanged: every action is none, and nothing moves.
        var again = await fixture.ReleaseAsync("life", file);
        Assert.Equal(["frontend=none", "ledger=none", "registry=none"], Actions(again).Order());
        Assert.Equal("succeeded", again.GetProperty("status").GetString());
        Assert.Equal(42, await CallNat(ledgerId, "get"));

        // A new module version: upgrade, state kept, same canister.
        var upgraded = await fixture.ReleaseAsync("life", file.Replace("shop/ledger@main:latest", "shop/ledger@v2"));
        Assert.Equal("succeeded", upgraded.GetProperty("status").GetString());
        Assert.Contains("ledger=upgrade", Actions(upgraded));
        Assert.Contains("frontend=none", Actions(upgraded));
        Assert.Equal(2, await CallNat(ledgerId, "version"));
        Assert.Equal(42, await CallNat(ledgerId, "get"));
        Assert.Equal(v2.ModuleHash, (await ServiceOf("life", "ledger")).GetProperty("moduleHash").GetString());

        // Asked for: reinstall, state wiped.
        var reinstalled = await fixture.ReleaseAsync("life", file.Replace("shop/ledger@main:latest", "shop/ledger@v2"), "?reinstall=ledger");
        Assert.Contains("ledger=reinstall", Actions(reinstalled));
        Assert.Equal(41, await CallNat(ledgerId, "get"));
        Assert.Equal(ledgerId, CanisterIdOf(await ServiceOf("life", "ledger")));

        // ?at= before the upgrade answers what ran then.
        var atFirst = first.GetProperty("steps").EnumerateArray().Last().GetProperty("at").GetDateTimeOffset().AddMilliseconds(50);
        var then = await fixture.Http.GetFromJsonAsync<JsonElement>($"/api/v1/environments/life?at={Uri.EscapeDataString(atFirst.ToString("O"))}");
        var ledgerThen = then.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "ledger");
        Assert.NotEqual(v2.ModuleHash, ledgerThen.GetProperty("actual").GetProperty("moduleHash").GetString());
        var now = await fixture.Http.GetFromJsonAsync<JsonElement>("/api/v1/environments/life");
        Assert.Equal(v2.ModuleHash, now.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "ledger")
            .GetProperty("actual").GetProperty("moduleHash").GetString());
        Assert.False(now.GetProperty("drift").GetBoolean());
    }

    [Fact]
    public async Task Two_environments_run_different_versions_of_one_module_side_by_side()
    {
        fixture.Modules.Push("shop/ledger", "counter", "v1");
        var v2 = fixture.Modules.Push("shop/ledger", "counter_v2", "v2");
        await fixture.ReleaseAsync("side-a", File("side-a", Service("ledger", "shop/ledger@v1", "(1)")));
        await fixture.ReleaseAsync("side-b", File("side-b", Service("ledger", "shop/ledger@v2", "(2)")));
        var a = await ServiceOf("side-a", "ledger");
        var b = await ServiceOf("side-b", "ledger");
        Assert.NotEqual(CanisterIdOf(a), CanisterIdOf(b));
        Assert.Equal(1, await CallNat(CanisterIdOf(a), "version"));
        Assert.Equal(2, await CallNat(CanisterIdOf(b), "version"));
        Assert.Equal(v2.ModuleHash, b.GetProperty("moduleHash").GetString());
    }

    [Fact]
    public async Task A_failing_post_upgrade_rolls_the_whole_release_back()
    {
        var v1 = fixture.Modules.Push("shop/ledger", "counter", "v1");
        fixture.Modules.Push("shop/ledger", "counter_v2", "v2");
        fixture.Modules.Push("shop/broken", "counter", "v1");
        // The trapping module declares the counter's interface, so the plan type-checks and the failure comes from the engine.
        fixture.Modules.Push("shop/broken", "upgrade_trap", "trap", candidOf: "counter");
        var before = File("roll", Service("ledger", "shop/ledger@v1", "(5)", "      upgrade: { persistence: keep }\n")
                                  + Service("zz-broken", "shop/broken@v1", "(0)"));
        await fixture.ReleaseAsync("roll", before);
        var ledgerId = CanisterIdOf(await ServiceOf("roll", "ledger"));
        Assert.Equal(6, await CallNat(ledgerId, "inc", query: false));

        // ledger upgrades first (install order is by name), then zz-broken's post_upgrade traps.
        var after = before.Replace("shop/ledger@v1", "shop/ledger@v2").Replace("shop/broken@v1", "shop/broken@trap");
        var release = await fixture.ReleaseAsync("roll", after);
        Assert.Equal("rolled-back", release.GetProperty("status").GetString());
        Assert.Contains("zz-broken", release.GetProperty("reason").GetString());
        Assert.Contains("ledger", release.GetProperty("rolledBack").EnumerateArray().Select(e => e.GetString()));

        // The ledger runs its previous module again, with its state.
        var status = await (await fixture.InstanceAsync()).Management.CanisterStatusAsync(DeployFixture.Controller, Principal.FromText(ledgerId));
        Assert.Equal(v1.ModuleHash, status.ModuleHashText);
        Assert.Equal(1, await CallNat(ledgerId, "version"));
        Assert.Equal(6, await CallNat(ledgerId, "get"));
        Assert.Equal(v1.ModuleHash, (await ServiceOf("roll", "ledger")).GetProperty("moduleHash").GetString());
    }

    [Fact]
    public async Task A_tampered_module_is_refused_and_a_corrupted_version_is_not_planned()
    {
        var tampered = fixture.Modules.Push("shop/tampered", "counter", "v1");
        fixture.Modules.Tamper(tampered.Digest);
        var release = await fixture.ReleaseAsync("tamper", File("tamper", Service("ledger", "shop/tampered@v1", "(1)")));
        Assert.Equal("failed", release.GetProperty("status").GetString());
        Assert.Contains("not the registry's", release.GetProperty("reason").GetString());
        // The canisters created for it (the ledger's, the registry's) are gone again; the environment runs nothing.
        var env = await fixture.Http.GetFromJsonAsync<JsonElement>("/api/v1/environments/tamper");
        Assert.All(env.GetProperty("services").EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("actual").ValueKind));

        var corrupted = fixture.Modules.Push("shop/corrupted", "counter", "v1");
        fixture.Modules.MarkCorrupted(corrupted.Digest);
        using var refused = await fixture.ApplyAsync("corrupt", File("corrupt", Service("ledger", "shop/corrupted@v1", "(1)")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("corrupted", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Drift_is_detected_when_a_canister_is_changed_on_the_engine()
    {
        fixture.Modules.Push("shop/ledger", "counter", "v1");
        await fixture.ReleaseAsync("drift", File("drift", Service("ledger", "shop/ledger@v1", "(1)")));
        var id = Principal.FromText(CanisterIdOf(await ServiceOf("drift", "ledger")));
        var instance = await fixture.InstanceAsync();
        await instance.Management.StopCanisterAsync(DeployFixture.Controller, id);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement env;
        do
        {
            await Task.Delay(300);
            env = await fixture.Http.GetFromJsonAsync<JsonElement>("/api/v1/environments/drift");
        } while (!env.GetProperty("drift").GetBoolean() && DateTime.UtcNow < deadline);
        Assert.True(env.GetProperty("drift").GetBoolean(), env.ToString());
        var ledger = await ServiceOf("drift", "ledger");
        Assert.Equal("stopped", ledger.GetProperty("drift").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_protected_environment_waits_for_its_approvers()
    {
        fixture.Modules.Push("shop/ledger", "counter", "v1");
        var file = File("prod", Service("ledger", "shop/ledger@v1", "(1)"),
            extra: "  protected: true\n  approvals: { required: 2, approvers: [alice, bob, carol], expiresAfter: 72h }\n");
        using var applied = await fixture.ApplyAsync("prod", file);
        Assert.Equal(HttpStatusCode.Accepted, applied.StatusCode);
        var location = applied.Headers.Location!.ToString();
        var waiting = await fixture.Http.GetFromJsonAsync<JsonElement>(location);
        Assert.Equal("awaiting-approval", waiting.GetProperty("status").GetString());

        // Without a gateway in front, the caller is anonymous: not an approver.
        using var stranger = await fixture.Http.PostAsJsonAsync(location + "/approvals", new { vote = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        using var bad = await fixture.Http.PostAsJsonAsync(location + "/approvals", new { vote = "maybe" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        // A second apply while one waits is refused.
        using var busy = await fixture.ApplyAsync("prod", file);
        Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
    }

    [Theory]
    [InlineData("selector", "shop/ledger@nothing", "(1)", "spec.services.ledger.module")]
    [InlineData("placeholder", "shop/ledger@v1", "(record { owner = principal \"{{canisterId:nobody}}\" })", "spec.services.ledger.init")]
    [InlineData("candid", "shop/ledger@v1", "(\"text where a nat goes\")", "spec.services.ledger.init")]
    [InlineData("candid-syntax", "shop/ledger@v1", "(record { ", "spec.services.ledger.init")]
    public async Task A_file_that_cannot_be_applied_is_422_saying_where_and_records_nothing(string env, string module, string init, string path)
    {
        fixture.Modules.Push("shop/ledger", "counter", "v1");
        using var response = await fixture.ApplyAsync("bad-" + env, File("bad-" + env, Service("ledger", module, init)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("path").GetString() == path);
        using var none = await fixture.Http.GetAsync($"/api/v1/environments/bad-{env}");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [Fact]
    public async Task A_cyclic_placeholder_dependency_and_a_yaml_syntax_error_are_refused()
    {
        fixture.Modules.Push("shop/ledger", "counter", "v1");
        var cyclic = File("cycle", Service("a", "shop/ledger@v1", "({{canisterId:b}})") + Service("b", "shop/ledger@v1", "({{canisterId:a}})"));
        using var cycle = await fixture.ApplyAsync("cycle", cyclic);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, cycle.StatusCode);
        Assert.Contains("cyclic", await cycle.Content.ReadAsStringAsync());

        using var syntax = await fixture.ApplyAsync("syntax", "apiVersion: platform/v1\nkind: Environment\nmetadata: { name: syntax\nspec: [");
        Assert.Equal(HttpStatusCode.BadRequest, syntax.StatusCode);
        var problem = await syntax.Content.ReadFromJsonAsync<JsonElement>();
        var error = problem.GetProperty("errors")[0];
        Assert.True(error.GetProperty("line").GetInt32() >= 3, problem.ToString());
        Assert.True(error.GetProperty("column").GetInt32() >= 1);
        using var none = await fixture.Http.GetAsync("/api/v1/environments/syntax");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [Fact]
    public async Task Deleting_an_environment_removes_its_canisters()
    {
        fixture.Modules.Push("shop/ledger", "counter", "v1");
        await fixture.ReleaseAsync("gone", File("gone", Service("ledger", "shop/ledger@v1", "(1)")));
        var id = CanisterIdOf(await ServiceOf("gone", "ledger"));
        using var deleted = await fixture.Http.DeleteAsync("/api/v1/environments/gone");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        var release = await fixture.AwaitReleaseAsync(deleted.Headers.Location!.ToString());
        Assert.Equal("succeeded", release.GetProperty("status").GetString());
        using var none = await fixture.Http.GetAsync("/api/v1/environments/gone");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        var instance = await fixture.InstanceAsync();
        Assert.IsType<CallRejected>(await instance.QueryCallAsync(new CanisterCall(Principal.Anonymous, Principal.FromText(id), "get", NoArgs)));
    }
}
