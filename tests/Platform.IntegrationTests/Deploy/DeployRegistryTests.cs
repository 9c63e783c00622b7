using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Candid;
using Platform.Contracts;
using Platform.Deploy.Registry;
using Platform.Engine.Client;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Deploy;

/// <summary>
/// The registry canister every environment runs: installed first, its id filled into <c>{{canisterId:registry}}</c>,
/// kept up to date by releases, called by name from another canister, <c>pick</c> agreeing with
/// <see cref="KeyRing"/>, and <c>set</c> refused to anyone but its controller.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class DeployRegistryTests(DeployFixture fixture)
{
    private static readonly CandidType Replicas = CandidType.Opt(CandidType.Vec(CandidType.Principal));
    private static readonly CandidType Entries = CandidType.Vec(CandidType.Tuple(CandidType.Text, CandidType.Vec(CandidType.Principal)));

    private static string File(string env, string services) => $"""
        apiVersion: platform/v1
        kind: Environment
        metadata: {"{"} name: {env}, namespace: shop {"}"}
        spec:
          services:
        {services}
        """;

    private static string Counter(string init = "(5)") => $"    counter:\n      module: shop/counter@v1\n      init: '{init}'\n";

    private const string Greeter = "    greeter:\n      module: shop/greeter@v1\n      init: '(principal \"{{canisterId:registry}}\")'\n";

    private void PushModules()
    {
        fixture.Modules.Push("shop/counter", "counter", "v1");
        fixture.Modules.Push("shop/greeter", "greeter", "v1");
    }

    private async Task<string> CanisterIdOf(string env, string service)
    {
        var found = await fixture.Http.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{env}/services/{service}");
        return found.GetProperty("canisterIds")[0].GetString()!;
    }

    private async Task<byte[]> Call(string canisterId, string method, byte[] payload, bool query = true, Principal? sender = null)
    {
        var instance = await fixture.InstanceAsync();
        var call = new CanisterCall(sender ?? Principal.Anonymous, Principal.FromText(canisterId), method, payload);
        var outcome = query ? await instance.QueryCallAsync(call) : await instance.UpdateCallAsync(call);
        return outcome.ReplyOrThrow(method);
    }

    private async Task<IEnumerable<string>?> LookupAsync(string registry, string service)
    {
        var reply = await Call(registry, "lookup", CandidBinary.Encode(CandidType.Text, CandidValue.Text(service)));
        var found = CandidBinary.Decode(reply, Replicas).AsOpt();
        return found?.AsVec().Select(p => p.AsPrincipal().ToString()).ToList();
    }

    private async Task<string?> PickAsync(string registry, string service, string key)
    {
        var reply = await Call(registry, "pick", CandidBinary.Encode([CandidType.Text, CandidType.Text], [CandidValue.Text(service), CandidValue.Text(key)]));
        return CandidBinary.Decode(reply, CandidType.Opt(CandidType.Principal)).AsOpt()?.AsPrincipal().ToString();
    }

    private static byte[] SetPayload(params (string Name, Principal[] Ids)[] entries) =>
        CandidBinary.Encode(Entries, CandidValue.Vec(entries.Select(e =>
            CandidValue.Tuple(CandidValue.Text(e.Name), CandidValue.Vec(e.Ids.Select(id => CandidValue.Principal(id)))))));

    private static string[] Actions(JsonElement release) =>
        [.. release.GetProperty("services").EnumerateArray().Select(s => $"{s.GetProperty("name").GetString()}={s.GetProperty("action").GetString()}")];

    [Fact]
    public async Task A_canister_calls_another_by_name_through_the_environment_registry()
    {
        PushModules();
        var release = await fixture.ReleaseAsync("by-name", File("by-name", Counter() + Greeter));
        Assert.Equal("succeeded", release.GetProperty("status").GetString());
        Assert.Equal(["registry", "counter", "greeter"], release.GetProperty("installOrder").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("registry=create+install", Actions(release));

        // The registry is discovered like any service, with the module Deploy carries, checked by hash.
        var registry = await CanisterIdOf("by-name", "registry");
        var counter = await CanisterIdOf("by-name", "counter");
        var greeter = await CanisterIdOf("by-name", "greeter");
        var found = await fixture.Http.GetFromJsonAsync<JsonElement>("/api/v1/environments/by-name/services/registry");
        var builtHash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.IO.File.ReadAllBytes(
            Path.Combine(RepositoryRoot.Path, "services", "Deploy", "Registry", "registry.wasm"))));
        Assert.Equal(builtHash, found.GetProperty("moduleHash").GetString());
        var status = await (await fixture.InstanceAsync()).Management.CanisterStatusAsync(DeployFixture.Controller, Principal.FromText(registry));
        Assert.Equal(builtHash, status.ModuleHashText);
        var env = await fixture.Http.GetFromJsonAsync<JsonElement>("/api/v1/environments/by-name");
        var inState = env.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "registry");
        Assert.Equal("platform/registry", inState.GetProperty("desired").GetProperty("module").GetString());
        Assert.Equal(registry, inState.GetProperty("actual").GetProperty("canisterIds")[0].GetString());
        Assert.False(inState.GetProperty("drift").GetBoolean());

        // The placeholder was filled with the registry's id.
        var told = CandidBinary.Decode(await Call(greeter, "registryId", CandidBinary.Encode(CandidArgs.Empty)), CandidType.Principal).AsPrincipal();
        Assert.Equal(registry, told.ToString());

        // The release published the map: lookup answers the ids, the registry lists itself, unknown names are null.
        Assert.Equal([counter], await LookupAsync(registry, "counter"));
        Assert.Equal([greeter], await LookupAsync(registry, "greeter"));
        Assert.Equal([registry], await LookupAsync(registry, "registry"));
        Assert.Null(await LookupAsync(registry, "nobody"));
        var all = CandidBinary.Decode(await Call(registry, "services", CandidBinary.Encode(CandidArgs.Empty)), Entries).AsVec();
        Assert.Equal(["counter", "greeter", "registry"], all.Select(e => e.AsRecord()[0].AsText()));

        // The greeter finds the counter by name and calls it (lookup as an inter-canister call), and asks pick.
        var text = CandidBinary.Encode(CandidType.Text, CandidValue.Text("counter"));
        Assert.Equal(new BigInteger(6), CandidBinary.Decode(await Call(greeter, "incService", text, query: false), CandidType.Nat).AsNat());
        Assert.Equal(new BigInteger(6), CandidBinary.Decode(await Call(counter, "get", CandidBinary.Encode(CandidArgs.Empty)), CandidType.Nat).AsNat());
        var picked = CandidBinary.Decode(await Call(greeter, "pickService",
            CandidBinary.Encode([CandidType.Text, CandidType.Text], [CandidValue.Text("counter"), CandidValue.Text("order-17")]), query: false),
            CandidType.Opt(CandidType.Principal)).AsOpt()?.AsPrincipal().ToString();
        Assert.Equal(counter, picked);
        var unknown = await Assert.ThrowsAsync<CanisterRejectedException>(() => Call(greeter, "incService",
            CandidBinary.Encode(CandidType.Text, CandidValue.Text("nobody")), query: false));
        Assert.Contains("knows no service nobody", unknown.Reject.RejectMessage);

        // Unchanged: nothing to do, the registry stays where it is.
        var again = await fixture.ReleaseAsync("by-name", File("by-name", Counter() + Greeter));
        Assert.Equal(["counter=none", "greeter=none", "registry=none"], Actions(again).Order());
        Assert.Equal(registry, await CanisterIdOf("by-name", "registry"));

        // A service the file drops is removed, and the registry no longer names it.
        var dropped = await fixture.ReleaseAsync("by-name", File("by-name", Counter()));
        Assert.Equal("succeeded", dropped.GetProperty("status").GetString());
        Assert.Contains("greeter=delete", Actions(dropped));
        Assert.Null(await LookupAsync(registry, "greeter"));
        Assert.Equal([counter], await LookupAsync(registry, "counter"));
    }

    [Fact]
    public async Task Only_a_controller_may_set_the_map_and_a_rollback_republishes_the_previous_one()
    {
        PushModules();
        fixture.Modules.Push("shop/counter", "upgrade_trap", "trap", candidOf: "counter");
        await fixture.ReleaseAsync("guarded", File("guarded", Counter("(1)")));
        var registry = await CanisterIdOf("guarded", "registry");
        var counter = await CanisterIdOf("guarded", "counter");
        var impostor = Principal.SelfAuthenticating("someone else"u8);

        // Anyone who is not a controller, a user or a canister, is rejected, and the map stays as it was.
        foreach (var sender in new[] { Principal.Anonymous, impostor, Principal.FromText(counter) })
        {
            var refused = await Assert.ThrowsAsync<CanisterRejectedException>(() =>
                Call(registry, "set", SetPayload(("counter", [impostor])), query: false, sender: sender));
            Assert.Equal(4, refused.Reject.RejectCode);
            Assert.Contains("not a controller", refused.Reject.RejectMessage);
        }
        Assert.Equal([counter], await LookupAsync(registry, "counter"));

        // The controller's map with a name twice is refused whole.
        var twice = await Assert.ThrowsAsync<CanisterRejectedException>(() =>
            Call(registry, "set", SetPayload(("a", [impostor]), ("a", [impostor])), query: false, sender: DeployFixture.Controller));
        Assert.Contains("named twice", twice.Reject.RejectMessage);
        Assert.Equal([counter], await LookupAsync(registry, "counter"));

        // The controller may: a map that names someone else for the counter is taken whole.
        await Call(registry, "set", SetPayload(("counter", [impostor])), query: false, sender: DeployFixture.Controller);
        Assert.Equal([impostor.ToString()], await LookupAsync(registry, "counter"));
        Assert.Null(await LookupAsync(registry, "registry"));

        // A release that installs a new service ("added", before the counter by name), then fails on the counter's
        // upgrade: it is rolled back, and the registry names what runs again, without the new service.
        var failing = await fixture.ReleaseAsync("guarded", File("guarded", "    added:\n      module: shop/counter@v1\n      init: '(2)'\n"
            + Counter("(1)").Replace("shop/counter@v1", "shop/counter@trap")));
        Assert.Equal("rolled-back", failing.GetProperty("status").GetString());
        Assert.Contains("counter", failing.GetProperty("reason").GetString());
        Assert.Null(await LookupAsync(registry, "added"));
        Assert.Equal([counter], await LookupAsync(registry, "counter"));
        Assert.Equal([registry], await LookupAsync(registry, "registry"));
    }

    [Fact]
    public async Task Pick_in_the_canister_equals_KeyRing_for_many_keys_and_replica_sets()
    {
        PushModules();
        await fixture.ReleaseAsync("ring", File("ring", Counter()));
        var registry = await CanisterIdOf("ring", "registry");
        var sync = fixture.Services.GetRequiredService<RegistrySync>();

        // Replica sets of 1 to 7 members: canister ids of both ranges' forms and self-authenticating principals.
        var random = new Random(13);
        var sets = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        for (var n = 1; n <= 7; n++)
            sets[$"svc-{n}"] = [.. Enumerable.Range(0, n).Select(i => (i % 2 == 0
                ? Principal.FromCanisterIndex((ulong)random.NextInt64(0, 1L << 40))
                : Principal.SelfAuthenticating(BitConverter.GetBytes(random.NextInt64()))).ToString())];
        sets["empty"] = [];
        // The one method releases use; without a registry entry it finds the environment's own.
        await sync.PublishAsync("ring", sets, CancellationToken.None);
        Assert.Equal([registry], await LookupAsync(registry, "registry"));

        string[] special = ["", "a", "ü", "日本語", "key\0with-nul", new string('x', 300)];
        var keys = special.Concat(Enumerable.Range(0, 40).Select(i => $"user-{random.Next()}-{i}")).ToList();
        var compared = 0;
        foreach (var (service, members) in sets.Where(s => s.Value.Count > 0))
            foreach (var key in keys)
            {
                Assert.Equal(KeyRing.Pick(key, members), await PickAsync(registry, service, key));
                compared++;
            }
        Assert.Equal(7 * keys.Count, compared);
        Assert.Null(await PickAsync(registry, "empty", "k"));
        Assert.Null(await PickAsync(registry, "nobody", "k"));

        // Every member of a large set wins some keys: the canister spreads them as KeyRing does.
        var seven = sets["svc-7"];
        var winners = new HashSet<string?>();
        foreach (var key in keys) winners.Add(await PickAsync(registry, "svc-7", key));
        Assert.True(winners.Count >= 5, $"{winners.Count} of 7 replicas won any of {keys.Count} keys");
        Assert.Subset(seven.ToHashSet<string?>(), winners);
    }

    [Fact]
    public async Task Deleting_an_environment_deletes_its_registry()
    {
        PushModules();
        await fixture.ReleaseAsync("reg-gone", File("reg-gone", Counter()));
        var registry = await CanisterIdOf("reg-gone", "registry");
        using var deleted = await fixture.Http.DeleteAsync("/api/v1/environments/reg-gone");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        var release = await fixture.AwaitReleaseAsync(deleted.Headers.Location!.ToString());
        Assert.Equal("succeeded", release.GetProperty("status").GetString());
        Assert.Contains("registry=delete", Actions(release));
        var instance = await fixture.InstanceAsync();
        Assert.IsType<CallRejected>(await instance.QueryCallAsync(new CanisterCall(Principal.Anonymous, Principal.FromText(registry), "services",
            CandidBinary.Encode(CandidArgs.Empty))));

        // The name is the environment's: a file may not declare a service called registry.
        using var reserved = await fixture.ApplyAsync("reg-gone", File("reg-gone", "    registry:\n      module: shop/counter@v1\n      init: '(1)'\n"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reserved.StatusCode);
        Assert.Contains("registry canister", await reserved.Content.ReadAsStringAsync());
    }
}
