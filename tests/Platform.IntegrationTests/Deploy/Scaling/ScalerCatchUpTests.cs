using System.Text.Json;

namespace Platform.IntegrationTests.Deploy.Scaling;

/// <summary>
/// A Scaler that starts after an environment was deployed hears nothing of it from the bus (Deploy reported it before
/// the Scaler listened): it catches up from Deploy's API, knows the environment's services, replicas and policy, and
/// scales them.
/// </summary>
[Collection(ScalingCollection.Name)]
public sealed class ScalerCatchUpTests(ScalingStack stack) : IClassFixture<ScalingStack>
{
    private const string Env = "early";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);

    private static readonly string File = """
        apiVersion: platform/v1
        kind: Environment
        metadata: { name: early, namespace: team }
        spec:
          services:
            worker:
              module: team/worker@v1
              subnet: 0
              replicas: { min: 1, max: 2 }
              scaling: { target: 0.5, metric: messages, cooldown: 20s }
        """;

    [Fact]
    public async Task A_Scaler_started_after_the_release_knows_the_environment_from_Deploy_and_scales_it()
    {
        stack.Modules.Push("team/worker", "worker", "v1");
        Assert.Equal("succeeded", (await stack.ReleaseAsync(Env, File)).GetProperty("status").GetString());
        var first = Assert.Single(ScalingStack.InstancesOf(await stack.DiscoverAsync(Env, "worker")));
        // Deploy's report of it went out before the Scaler listened.
        await Eventually.Async(() => Task.FromResult(stack.Deployed(Env).Count > 0), "Deploy's report of the environment", Patience);

        // Two calls a second are four times what one replica may take at this setting: the metric is messages, so
        // the engine's instruction counts on this machine do not matter.
        await stack.StartScalerAsync(new Dictionary<string, string>
        {
            ["Interval"] = "00:00:01",
            ["MessagesPerReplica"] = "1",
            ["ShortWindow"] = "00:00:03",
            ["LongWindow"] = "00:00:15",
        });

        // It knows the service as deployed, with its bounds and policy, without another release.
        JsonElement service = default;
        await Eventually.Async(async () =>
        {
            using var response = await stack.Scaler.GetAsync($"/api/v1/scaler/state?namespace=team&environment={Env}");
            if (!response.IsSuccessStatusCode) return false;
            var state = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            var found = state.GetProperty("environments").EnumerateArray().SelectMany(e => e.GetProperty("services").EnumerateArray())
                .Where(s => s.GetProperty("name").GetString() == "worker").ToList();
            if (found.Count == 0) return false;
            service = found[0];
            return true;
        }, "the Scaler knows the worker", Patience);
        Assert.Equal(first.CanisterId, Assert.Single(service.GetProperty("instances").EnumerateArray()).GetProperty("canisterId").GetString());
        Assert.Equal(2, service.GetProperty("replicas").GetProperty("max").GetInt32());
        Assert.Equal("messages", service.GetProperty("scaling").GetProperty("metric").GetString());
        Assert.Single(stack.Deployed(Env));

        // And it scales it: under load the worker gains its second replica, on another subnet.
        await using var load = new LoadGenerator(stack, Env, "worker", callsPerSecond: 2, work: 1_000);
        await load.StartAsync();
        IReadOnlyList<(string CanisterId, string SubnetId)> replicas = [];
        await Eventually.Async(async () => (replicas = ScalingStack.InstancesOf(await stack.DiscoverAsync(Env, "worker"))).Count == 2,
            "the worker scaled out to 2", Patience);
        Assert.Contains(replicas, r => r.CanisterId == first.CanisterId);
        Assert.Contains(replicas, r => r.SubnetId != stack.Subnets[0]);
        await load.StopAsync();
    }
}
