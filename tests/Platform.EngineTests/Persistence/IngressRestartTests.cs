using System.Net.Http.Json;
using System.Text.Json;
using Platform.Candid;
using Platform.EngineTests.Outcalls;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Persistence;

/// <summary>
/// What a client was told about an ingress message of the persistent instance survives a restart of the engine
/// process, a graceful one (SIGTERM) and a crash (SIGKILL): a submitted message not executed yet runs after the
/// restart, a result not collected yet is still there, and a stop_canister call waiting for its canister to stop
/// is answered when it stops. A message id the engine never acknowledged gets PocketIC's error at once.
/// </summary>
public sealed class IngressRestartTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "engine-ingress-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Submitted_messages_and_uncollected_results_survive_a_restart(bool kill)
    {
        await using var engine = new EngineProcess(_directory);
        await engine.StartAsync();
        var counter = await engine.Install(Fixtures.Wasm("counter"), Nat(0));

        // Three executed by a round but never awaited, two only queued.
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await Submit(engine, counter, "inc", NoArgs));
        await engine.Post("update/tick", new { });
        for (var i = 0; i < 2; i++) ids.Add(await Submit(engine, counter, "inc", NoArgs));
        Assert.Equal(3, DecodeNat(await engine.Query(counter, "get")));

        await Restart(engine, kill);

        // Each answer is its own increment's: 1..3 from before the restart, 4 and 5 executed after it.
        var answers = new List<long>();
        foreach (var id in ids) answers.Add((long)DecodeNat(Ok(await Await(engine, id))));
        Assert.Equal([1, 2, 3, 4, 5], answers);
        Assert.Equal(5, DecodeNat(await engine.Query(counter, "get")));
        // Collected: PocketIC forgets a message once its result was read, as before the restart.
        Assert.Contains("IngressMessageNotFound", await AwaitError(engine, ids[0]));
        // An id the engine never acknowledged (the message in flight at a crash) is answered, not waited for.
        Assert.Contains("IngressMessageNotFound", await AwaitError(engine, Convert.ToBase64String(new byte[32])));
        // New ids after the restart do not collide with the ones it kept.
        var next = await Submit(engine, counter, "inc", NoArgs);
        Assert.DoesNotContain(next, ids);
        Assert.Equal(6, DecodeNat(Ok(await Await(engine, next))));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stop_canister_call_waiting_for_an_open_call_is_answered_after_a_restart(bool kill)
    {
        await using var engine = new EngineProcess(_directory);
        await engine.StartAsync();
        var canister = await engine.Install(Fixtures.Wasm("outcall"), CandidBinary.Encode([], []));
        // An outcall to a host outside the allow-list waits for a mock: the canister keeps a call context open, so
        // stopping it waits too.
        var fetch = await Submit(engine, canister, "fetch", HttpOutcallTests.FetchArgs("https://api.example.com/price"));
        await engine.Post("update/tick", new { });
        var stop = await Submit(engine, Principal.ManagementCanister, "stop_canister", CanisterIdArgs(canister));
        await engine.Post("update/tick", new { });
        await engine.Post("update/tick", new { });
        Assert.Equal("stopping", await Status(engine, canister));

        await Restart(engine, kill);

        Assert.Equal("stopping", await Status(engine, canister));
        // The outcall's answer was lost with the process: the canister gets the IC's reject, replies to its caller,
        // its call context closes, the canister stops and the stop_canister caller gets its reply.
        var fetched = CandidBinary.Decode(Ok(await Await(engine, fetch)), CandidType.Text).AsText();
        Assert.StartsWith("#system_transient: ", fetched);
        Ok(await Await(engine, stop));
        Assert.Equal("stopped", await Status(engine, canister));
    }

    private static async Task Restart(EngineProcess engine, bool kill)
    {
        if (kill) await engine.KillAsync();
        else await engine.StopAsync();
        await engine.StartAsync();
    }

    private static async Task<string> Submit(EngineProcess engine, Principal canister, string method, byte[] payload)
    {
        var submitted = await engine.Post("update/submit_ingress_message", new Dictionary<string, object>
        {
            ["sender"] = Convert.ToBase64String(Alice.Bytes),
            ["canister_id"] = Convert.ToBase64String(canister.Bytes),
            ["method"] = method,
            ["payload"] = Convert.ToBase64String(payload),
            ["effective_principal"] = "None",
        });
        Assert.True(submitted.TryGetProperty("Ok", out var ok), submitted.ToString());
        return ok.GetProperty("message_id").GetString()!;
    }

    private static Task<JsonElement> Await(EngineProcess engine, string messageId) =>
        engine.Post("update/await_ingress_message", new Dictionary<string, object> { ["message_id"] = messageId, ["effective_principal"] = "None" });

    /// <summary>The 400 message of an await PocketIC refuses.</summary>
    private static async Task<string> AwaitError(EngineProcess engine, string messageId)
    {
        using var response = await engine.Http.PostAsJsonAsync("/instances/0/update/await_ingress_message",
            new Dictionary<string, object> { ["message_id"] = messageId, ["effective_principal"] = "None" });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static byte[] Ok(JsonElement result) =>
        result.TryGetProperty("Ok", out var ok) ? ok.GetBytesFromBase64() : throw new InvalidOperationException($"the call was rejected: {result}");

    private static async Task<string> Status(EngineProcess engine, Principal canister)
    {
        var reply = await engine.Update(Principal.ManagementCanister, "canister_status", CanisterIdArgs(canister),
            new Dictionary<string, string> { ["CanisterId"] = Convert.ToBase64String(canister.Bytes) });
        var status = CandidBinary.Decode(reply, Platform.Engine.Management.ManagementTypes.CanisterStatusResult).AsRecord()["status"].AsVariant();
        return new[] { "running", "stopping", "stopped" }.Single(status.Is);
    }
}
