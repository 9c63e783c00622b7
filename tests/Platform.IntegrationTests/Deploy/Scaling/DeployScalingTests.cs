using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Candid;
using Platform.Contracts;
using Platform.Engine.Client;

namespace Platform.IntegrationTests.Deploy.Scaling;

/// <summary>
/// The Scaler's decisions, published on the bus as the Scaler does, applied by Deploy on the real engine: replicas
/// added with the same module and init argument, removed from discovery and deleted, replaced, shards split, every
/// replica upgraded by a later release; decisions outside the declared bounds refused and recorded; a redelivered
/// decision applied once.
/// </summary>
[Collection(ScalingCollection.Name)]
public sealed class DeployScalingTests(ScalingStack stack) : IClassFixture<ScalingStack>
{
    private static readonly byte[] NoArgs = CandidBinary.Encode(CandidArgs.Empty);

    private static string File(string env, string service) => $"""
        apiVersion: platform/v1
        kind: Environment
        metadata: {"{"} name: {env}, namespace: team {"}"}
        spec:
          services:
            ledger:
              module: team/ledger@v1
              init: '(5)'
              subnet: 0
              upgrade: {"{"} persistence: keep {"}"}
        {service}
        """;

    private static EventMetadata Meta() => new(Guid.NewGuid(), 1, DateTimeOffset.UtcNow, "system:scaler", null, null, null);

    private static ScalingDecision Decision(string env, Guid? id = null) =>
        new(id ?? Guid.NewGuid(), "team", env, "ledger", new Dictionary<string, double> { ["utilisation"] = 0.9 }, "test");

    private async Task<JsonElement> ReleaseOfAsync(string env, Guid decision) =>
        await stack.AwaitReleaseAsync($"/api/v1/environments/{env}/releases/{decision}");

    private async Task<IReadOnlyList<(string CanisterId, string SubnetId)>> InstancesAsync(string env) =>
        ScalingStack.InstancesOf(await stack.DiscoverAsync(env, "ledger"));

    private async Task<string> DeployAsync(string env, string extra = "      replicas: { min: 1, max: 3 }\n")
    {
        stack.Modules.Push("team/ledger", "counter", "v1");
        var release = await stack.ReleaseAsync(env, File(env, extra));
        Assert.Equal("succeeded", release.GetProperty("status").GetString());
        var instances = await InstancesAsync(env);
        Assert.Equal(stack.Subnets[0], Assert.Single(instances).SubnetId);
        return instances[0].CanisterId;
    }

    private async Task<string?> ModuleHashAsync(string canisterId) =>
        (await stack.Instance.Management.CanisterStatusAsync(DeployFixture.Controller, Principal.FromText(canisterId))).ModuleHashText;

    [Fact]
    public async Task A_scale_out_adds_replicas_on_the_named_subnets_with_the_same_module_and_init_once_per_decision()
    {
        var first = await DeployAsync("out");
        var decision = Decision("out");
        var message = new ScaleOutDecidedV1(Meta(), decision, 1, 3, [stack.Subnets[1], stack.Subnets[2]]);
        await stack.PublishAsync(message);
        await stack.PublishAsync(message with { Meta = Meta() }); // a redelivery under another message id

        var release = await ReleaseOfAsync("out", decision.DecisionId);
        Assert.Equal(("succeeded", "scale"), (release.GetProperty("status").GetString(), release.GetProperty("kind").GetString()));
        var instances = await InstancesAsync("out");
        Assert.Equal([first], instances.Take(1).Select(i => i.CanisterId));
        Assert.Equal(stack.Subnets, instances.Select(i => i.SubnetId));
        var hash = await ModuleHashAsync(first);
        foreach (var (id, subnet) in instances)
        {
            Assert.Equal(hash, await ModuleHashAsync(id));
            Assert.Equal(subnet, (await stack.Instance.GetSubnetAsync(Principal.FromText(id)))!.ToString());
            Assert.Equal(5, await stack.CallNatAsync(id, "get", NoArgs, query: true)); // the same init argument
        }

        // The next EnvironmentDeployedV1 says so.
        await Eventually.Async(() => Task.FromResult(stack.Deployed("out").LastOrDefault()?.Services.Single(s => s.Name == "ledger").Instances.Count == 3),
            "EnvironmentDeployedV1 with three replicas", TimeSpan.FromSeconds(30));
        var reported = stack.Deployed("out")[^1].Services.Single(s => s.Name == "ledger");
        Assert.Equal(instances, reported.Instances.Select(i => (i.CanisterId, i.SubnetId)));
        Assert.Equal(new ReplicaBounds(1, 3), reported.Replicas);

        // pick(name, key) spreads keys over the three, as the key ring does.
        var ids = instances.Select(i => i.CanisterId).ToList();
        var chosen = new HashSet<string>();
        for (var i = 0; i < 30; i++)
        {
            var pick = await stack.Deploy.GetFromJsonAsync<JsonElement>($"/api/v1/environments/out/services/ledger/pick?key=customer-{i}");
            Assert.Equal(KeyRing.Pick($"customer-{i}", ids), pick.GetProperty("canisterId").GetString());
            chosen.Add(pick.GetProperty("canisterId").GetString()!);
        }
        Assert.Equal(3, chosen.Count);
        using (var noKey = await stack.Deploy.GetAsync("/api/v1/environments/out/services/ledger/pick"))
            Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
        using (var unknown = await stack.Deploy.GetAsync("/api/v1/environments/out/services/nothing/pick?key=a"))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The redelivery was consumed (a later decision, behind it on the same queue, has been) and added nothing.
        var later = Decision("out");
        await stack.PublishAsync(new ScaleOutDecidedV1(Meta(), later, 3, 4, [stack.Subnets[0]]));
        Assert.Equal("failed", (await ReleaseOfAsync("out", later.DecisionId)).GetProperty("status").GetString());
        Assert.Equal(3, (await InstancesAsync("out")).Count);
    }

    [Fact]
    public async Task Decisions_outside_the_declared_bounds_stale_or_for_unknown_subnets_are_refused_and_recorded()
    {
        var only = await DeployAsync("bounds");
        async Task<string> Refused<T>(T message, Guid id) where T : class
        {
            await stack.PublishAsync(message);
            var release = await ReleaseOfAsync("bounds", id);
            Assert.Equal("failed", release.GetProperty("status").GetString());
            return release.GetProperty("reason").GetString()!;
        }
        var above = Decision("bounds");
        Assert.Contains("above the declared maximum of 3", await Refused(new ScaleOutDecidedV1(Meta(), above, 1, 4, [stack.Subnets[1], stack.Subnets[2], stack.Subnets[0]]), above.DecisionId));
        var below = Decision("bounds");
        Assert.Contains("below the declared minimum of 1", await Refused(new ScaleInDecidedV1(Meta(), below, 1, 0, [only]), below.DecisionId));
        var stale = Decision("bounds");
        Assert.Contains("made for 2 instances", await Refused(new ScaleOutDecidedV1(Meta(), stale, 2, 3, [stack.Subnets[1]]), stale.DecisionId));
        var nowhere = Decision("bounds");
        Assert.Contains("not an application subnet", await Refused(new ScaleOutDecidedV1(Meta(), nowhere, 1, 2, ["aaaaa-aa"]), nowhere.DecisionId));
        var stranger = Decision("bounds");
        Assert.Contains("not an instance of ledger", await Refused(new ReplicaReplacedV1(Meta(), stranger, "rwlgt-iiaaa-aaaaa-aaaaa-cai", stack.Subnets[1]), stranger.DecisionId));
        Assert.Equal([only], (await InstancesAsync("bounds")).Select(i => i.CanisterId));

        // Each refusal is in the audit log, planned by the Scaler and ended failed.
        await Eventually.Async(async () =>
        {
            var body = await stack.Audit.GetFromJsonAsync<JsonElement>("/api/v1/audit/events?action=release.failed&repository=team/bounds");
            return body.GetProperty("events").GetArrayLength() == 5;
        }, "five failed releases in the audit log", TimeSpan.FromSeconds(30));
        var planned = await stack.Audit.GetFromJsonAsync<JsonElement>("/api/v1/audit/events?action=release.planned&repository=team/bounds");
        Assert.Contains(planned.GetProperty("events").EnumerateArray(), e => e.GetProperty("tag").GetString()!.Contains($"release={above.DecisionId:N} ledger=scale-out"));
    }

    [Fact]
    public async Task A_scale_in_takes_the_named_replicas_out_of_discovery_and_deletes_them_and_a_replacement_swaps_one()
    {
        var first = await DeployAsync("in");
        var grow = Decision("in");
        await stack.PublishAsync(new ScaleOutDecidedV1(Meta(), grow, 1, 3, [stack.Subnets[1], stack.Subnets[2]]));
        Assert.Equal("succeeded", (await ReleaseOfAsync("in", grow.DecisionId)).GetProperty("status").GetString());
        var three = await InstancesAsync("in");

        // Replace the second: the new one takes its place in the list, the old one is gone from the engine.
        var replace = Decision("in");
        await stack.PublishAsync(new ReplicaReplacedV1(Meta(), replace, three[1].CanisterId, stack.Subnets[0]));
        Assert.Equal("succeeded", (await ReleaseOfAsync("in", replace.DecisionId)).GetProperty("status").GetString());
        var replaced = await InstancesAsync("in");
        Assert.Equal(3, replaced.Count);
        Assert.Equal((three[0], three[2]), (replaced[0], replaced[2]));
        Assert.NotEqual(three[1].CanisterId, replaced[1].CanisterId);
        Assert.Equal(stack.Subnets[0], replaced[1].SubnetId);
        Assert.False(await stack.ExistsAsync(three[1].CanisterId));
        Assert.Equal(5, await stack.CallNatAsync(replaced[1].CanisterId, "get", NoArgs, query: true));
        await Eventually.Async(async () =>
        {
            var body = await stack.Audit.GetFromJsonAsync<JsonElement>("/api/v1/audit/events?action=release.planned&repository=team/in");
            return body.GetProperty("events").EnumerateArray().Any(e => e.GetProperty("tag").GetString()!.Contains($"release={replace.DecisionId:N} ledger=replace"));
        }, "the replacement in the audit log", TimeSpan.FromSeconds(30));

        var shrink = Decision("in");
        await stack.PublishAsync(new ScaleInDecidedV1(Meta(), shrink, 3, 1, [replaced[1].CanisterId, replaced[2].CanisterId]));
        Assert.Equal("succeeded", (await ReleaseOfAsync("in", shrink.DecisionId)).GetProperty("status").GetString());
        Assert.Equal([first], (await InstancesAsync("in")).Select(i => i.CanisterId));
        Assert.False(await stack.ExistsAsync(replaced[1].CanisterId));
        Assert.False(await stack.ExistsAsync(replaced[2].CanisterId));
        await Eventually.Async(() => Task.FromResult(stack.Deployed("in").LastOrDefault()?.ReleaseId == shrink.DecisionId),
            "EnvironmentDeployedV1 after the scale-in", TimeSpan.FromSeconds(30));
        Assert.Equal([first], stack.Deployed("in")[^1].Services.Single(s => s.Name == "ledger").Instances.Select(i => i.CanisterId));
    }

    [Fact]
    public async Task A_module_upgrade_of_a_scaled_service_upgrades_every_replica_and_deleting_the_environment_removes_them_all()
    {
        await DeployAsync("upgrade");
        var grow = Decision("upgrade");
        await stack.PublishAsync(new ScaleOutDecidedV1(Meta(), grow, 1, 2, [stack.Subnets[1]]));
        Assert.Equal("succeeded", (await ReleaseOfAsync("upgrade", grow.DecisionId)).GetProperty("status").GetString());
        var replicas = await InstancesAsync("upgrade");
        await stack.CallNatAsync(replicas[1].CanisterId, "inc", NoArgs); // 6 on the second replica only

        var v2 = stack.Modules.Push("team/ledger", "counter_v2", "v2");
        var file = File("upgrade", "      replicas: { min: 1, max: 3 }\n").Replace("team/ledger@v1", "team/ledger@v2", StringComparison.Ordinal);
        var release = await stack.ReleaseAsync("upgrade", file);
        Assert.True(release.GetProperty("status").GetString() == "succeeded", release.ToString());
        Assert.Equal(replicas, await InstancesAsync("upgrade"));
        foreach (var (id, _) in replicas)
        {
            Assert.Equal(v2.ModuleHash, await ModuleHashAsync(id));
            Assert.Equal(2, await stack.CallNatAsync(id, "version", NoArgs, query: true));
        }
        Assert.Equal(6, await stack.CallNatAsync(replicas[1].CanisterId, "get", NoArgs, query: true)); // state kept

        using var deleted = await stack.Deploy.DeleteAsync("/api/v1/environments/upgrade");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        Assert.Equal("succeeded", (await stack.AwaitReleaseAsync(deleted.Headers.Location!.ToString())).GetProperty("status").GetString());
        foreach (var (id, _) in replicas)
            Assert.False(await stack.ExistsAsync(id));
    }

    [Fact]
    public async Task A_sharded_service_splits_onto_new_shards_and_pick_goes_by_shard()
    {
        var first = await DeployAsync("shards", "      sharding: { key: customer, min: 1, max: 3 }\n");
        var split = Decision("shards");
        await stack.PublishAsync(new ShardSplitDecidedV1(Meta(), split, 1, 3, [stack.Subnets[1], stack.Subnets[2]]));
        Assert.Equal("succeeded", (await ReleaseOfAsync("shards", split.DecisionId)).GetProperty("status").GetString());
        var service = await stack.DiscoverAsync("shards", "ledger");
        var shards = service.GetProperty("instances").EnumerateArray().Select(i => (i.GetProperty("canisterId").GetString(), i.GetProperty("shard").GetInt32())).ToList();
        Assert.Equal([0, 1, 2], shards.Select(s => s.Item2));
        Assert.Equal(first, shards[0].Item1);
        for (var i = 0; i < 20; i++)
        {
            var pick = await stack.Deploy.GetFromJsonAsync<JsonElement>($"/api/v1/environments/shards/services/ledger/pick?key=c{i}");
            var shard = int.Parse(KeyRing.Pick($"c{i}", ["0", "1", "2"])!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal((shards[shard].Item1, shard), (pick.GetProperty("canisterId").GetString(), pick.GetProperty("shard").GetInt32()));
        }
        // A sharded service does not take replicas.
        var replicas = Decision("shards");
        await stack.PublishAsync(new ScaleOutDecidedV1(Meta(), replicas, 3, 4, [stack.Subnets[0]]));
        Assert.Contains("sharded", (await ReleaseOfAsync("shards", replicas.DecisionId)).GetProperty("reason").GetString());
    }
}
