using System.Net;
using System.Text.Json;
using Platform.Contracts;

namespace Platform.IntegrationTests.Scaler;

/// <summary>
/// The Scaler on real PostgreSQL and RabbitMQ: Deploy's environment and the engine's samples in; a decision in the
/// API, on the bus (as Deploy receives it) and in the audit log.
/// </summary>
public sealed class ScalerServiceTests : IAsyncLifetime
{
    private ScalerStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ScalerStack.StartAsync();
    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private static DeployedService Api(params ServiceInstance[] instances) =>
        new("api", "sha256:" + new string('a', 64), "sha256:" + new string('b', 64), instances, new ReplicaBounds(1, 5),
            new ScalingPolicy(0.6, "instructions", TimeSpan.FromSeconds(60)), null);

    private static CanisterLoad Hot(string id) => new(id, 100, 1e9, 1 << 20, 500, 0, "running");
    private static CanisterLoad Trapping(string id) => new(id, 5, 5e7, 1 << 20, 0, 20, "running");
    private static CanisterLoad Idle(string id) => new(id, 1, 1e6, 1 << 20, 0, 0, "running");

    private Task SamplesAsync(CanisterLoad onA) => Task.WhenAll(
        _stack.PublishAsync(ScalerStack.Sample("subnet-a", "Application", onA)),
        _stack.PublishAsync(ScalerStack.Sample("subnet-b", "Application", Idle("other-b"))),
        _stack.PublishAsync(ScalerStack.Sample("subnet-c", "Application")),
        _stack.PublishAsync(ScalerStack.Sample("subnet-nns", "NNS")));

    private async Task<JsonElement?> DecisionAsync(string query)
    {
        var body = await _stack.GetJsonAsync(_stack.Scaler, "/api/v1/scaler/decisions?" + query);
        var list = body.GetProperty("decisions").EnumerateArray().ToList();
        return list.Count > 0 ? list[0] : null;
    }

    [Fact]
    public async Task A_hot_service_gets_a_scale_out_on_an_idle_application_subnet_in_the_api_on_the_bus_and_in_the_audit_log()
    {
        var deployed = ScalerStack.Environment("team", "prod", 1, Api(new ServiceInstance("api-1", "subnet-a", null)));
        // Deploy's report twice (a redelivery): one environment, one decision.
        await _stack.PublishAsync(deployed);
        await _stack.PublishAsync(deployed);

        var decision = (await ScalerStack.EventuallyAsync<object>(async () => await DecisionAsync("namespace=team&environment=prod&service=api"),
            "a decision", () => SamplesAsync(Hot("api-1")))) as JsonElement?;
        var d = decision!.Value;
        Assert.Equal("scale-out", d.GetProperty("kind").GetString());
        Assert.Equal(1, d.GetProperty("from").GetInt32());
        Assert.InRange(d.GetProperty("to").GetInt32(), 2, 5);
        var subnets = d.GetProperty("subnets").EnumerateArray().Select(s => s.GetString()!).ToList();
        Assert.Equal(d.GetProperty("to").GetInt32() - 1, subnets.Count);
        Assert.All(subnets, s => Assert.Contains(s, new[] { "subnet-b", "subnet-c" }));
        Assert.True(d.GetProperty("signals").GetProperty("utilisation").GetDouble() > 0.66);
        var id = d.GetProperty("id").GetGuid();

        // On the bus, as Deploy receives it, once per decision id.
        var published = await ScalerStack.EventuallyAsync(() => Task.FromResult(Published<ScaleOutDecidedV1>().FirstOrDefault()), "the bus message");
        Assert.Equal(id, published.Decision.DecisionId);
        Assert.Equal(("team", "prod", "api"), (published.Decision.Namespace, published.Decision.Environment, published.Decision.Service));
        Assert.Equal(subnets, published.Subnets);

        // In the audit log, with the signals that caused it.
        var audited = await ScalerStack.EventuallyAsync<object>(async () =>
        {
            var body = await _stack.GetJsonAsync(_stack.Audit, "/api/v1/audit/events?action=scaler.scale-out");
            var events = body.GetProperty("events").EnumerateArray().ToList();
            return events.Count > 0 ? events[0] : null;
        }, "the audit entry");
        var entry = (JsonElement)audited;
        Assert.Equal("team/prod/api", entry.GetProperty("repository").GetString());
        Assert.Contains($"decision={id:N}", entry.GetProperty("tag").GetString());
        Assert.Contains("utilisation=", entry.GetProperty("tag").GetString());

        // The state: the deployed instance with its latest load, the decision, the subnets.
        var state = await _stack.GetJsonAsync(_stack.Scaler, "/api/v1/scaler/state?namespace=team");
        var service = state.GetProperty("environments")[0].GetProperty("services")[0];
        Assert.Equal("scale-out", service.GetProperty("lastDecision").GetProperty("kind").GetString());
        Assert.Equal(1e9, service.GetProperty("instances")[0].GetProperty("latest").GetProperty("instructionsPerSecond").GetDouble());
        Assert.Contains(state.GetProperty("subnets").EnumerateArray(), s => s.GetProperty("subnetId").GetString() == "subnet-nns");

        // No second decision while Deploy has not applied the first (and within the cooldown).
        await Task.Delay(3000);
        var all = await _stack.GetJsonAsync(_stack.Scaler, "/api/v1/scaler/decisions?namespace=team");
        Assert.Single(all.GetProperty("decisions").EnumerateArray());
        Assert.Single(Published<ScaleOutDecidedV1>());
        // Another namespace sees none of it.
        Assert.Empty((await _stack.GetJsonAsync(_stack.Scaler, "/api/v1/scaler/decisions?namespace=other")).GetProperty("decisions").EnumerateArray());
        Assert.Empty((await _stack.GetJsonAsync(_stack.Scaler, "/api/v1/scaler/state?namespace=other")).GetProperty("environments").EnumerateArray());
    }

    [Fact]
    public async Task A_replica_that_traps_on_every_call_is_replaced_and_the_replacement_is_audited()
    {
        await _stack.PublishAsync(ScalerStack.Environment("team", "staging", 1,
            Api(new ServiceInstance("api-1", "subnet-a", null), new ServiceInstance("api-2", "subnet-b", null))));
        var decision = (await ScalerStack.EventuallyAsync<object>(async () => await DecisionAsync("namespace=team&environment=staging"),
            "a replacement", () => Task.WhenAll(
                _stack.PublishAsync(ScalerStack.Sample("subnet-a", "Application", Trapping("api-1"))),
                _stack.PublishAsync(ScalerStack.Sample("subnet-b", "Application", Idle("api-2"))),
                _stack.PublishAsync(ScalerStack.Sample("subnet-c", "Application"))))) as JsonElement?;
        var d = decision!.Value;
        Assert.Equal("replace", d.GetProperty("kind").GetString());
        Assert.Equal(["api-1"], d.GetProperty("canisterIds").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("traps repeatedly", d.GetProperty("reason").GetString());

        var replaced = await ScalerStack.EventuallyAsync(() => Task.FromResult(Published<ReplicaReplacedV1>().FirstOrDefault()), "the bus message");
        Assert.Equal("api-1", replaced.OldCanisterId);
        await ScalerStack.EventuallyAsync<object>(async () =>
        {
            var body = await _stack.GetJsonAsync(_stack.Audit, "/api/v1/audit/events?action=scaler.replica-replaced&repository=team/staging/api");
            return body.GetProperty("events").GetArrayLength() > 0 ? body : null;
        }, "the audit entry");
    }

    [Fact]
    public async Task An_older_or_repeated_environment_report_changes_nothing_and_a_deletion_forgets_the_environment()
    {
        await _stack.PublishAsync(ScalerStack.Environment("team", "dev", 5,
            Api(new ServiceInstance("api-1", "subnet-a", null), new ServiceInstance("api-2", "subnet-b", null))));
        await ScalerStack.EventuallyAsync<object>(async () => Instances(await _stack.GetJsonAsync(_stack.Scaler, "/api/v1/scaler/state?namespace=team&environment=dev")) == 2 ? "" : null, "the environment");

        // Deploy's earlier report arrives late: ignored.
        await _stack.PublishAsync(ScalerStack.Environment("team", "dev", 4, Api(new ServiceInstance("api-1", "subnet-a", null))));
        await Task.Delay(2000);
        Assert.Equal(2, Instances(await _stack.GetJsonAsync(_stack.Scaler, "/api/v1/scaler/state?namespace=team&environment=dev")));

        var deleted = ScalerStack.Environment("team", "dev", 6) with { Deleted = true };
        await _stack.PublishAsync(deleted);
        await ScalerStack.EventuallyAsync<object>(async () =>
            (await _stack.GetJsonAsync(_stack.Scaler, "/api/v1/scaler/state?namespace=team&environment=dev")).GetProperty("environments").GetArrayLength() == 0 ? "" : null,
            "the deletion");
    }

    [Theory]
    [InlineData("since=yesterday", "since")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=5000", "limit")]
    [InlineData("limit=-1", "limit")]
    public async Task Bad_query_parameters_are_a_problem_not_a_failure(string query, string field)
    {
        using var response = await _stack.Scaler.GetAsync("/api/v1/scaler/decisions?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(field, await response.Content.ReadAsStringAsync());
    }

    private static int Instances(JsonElement state) =>
        state.GetProperty("environments").EnumerateArray().Select(e => e.GetProperty("services")[0].GetProperty("instances").GetArrayLength()).FirstOrDefault();

    private List<T> Published<T>()
    {
        lock (_stack.Published)
            return _stack.Published.OfType<T>().ToList();
    }
}
