using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Platform.Candid;
using Platform.EngineTests.Outcalls;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Persistence;

/// <summary>
/// A canister of the persistent instance that awaits an HTTPS outcall's answer when the engine process stops (a
/// SIGTERM or a SIGKILL): the outcall is not performed again; after the restart the canister gets the IC's
/// SYS_TRANSIENT reject in the next round, instead of waiting forever. The outcall canister keeps its latest
/// outcome in its heap (<c>last</c>), which is how the test sees what the lost ingress message would have answered.
/// </summary>
public sealed class OutcallRestartTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "engine-outcall-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_outcall_waiting_for_its_mock_is_rejected_with_sys_transient_after_a_restart(bool kill)
    {
        await using var engine = new EngineProcess(_directory);
        await engine.StartAsync();
        var canister = await engine.Install(Fixtures.Wasm("outcall"), CandidBinary.Encode([], []));

        // A host outside the allow-list: the request stays pending through ticks, waiting for a mock.
        await SubmitFetch(engine, canister, "https://api.example.com/price");
        await engine.Post("update/tick", new { });
        await engine.Post("update/tick", new { });
        Assert.Single((await Pending(engine)).EnumerateArray());
        Assert.Equal("pending", await Last(engine, canister));

        if (kill) await engine.KillAsync();
        else await engine.StopAsync();
        await engine.StartAsync();

        Assert.Empty((await Pending(engine)).EnumerateArray());
        Assert.Equal("pending", await Last(engine, canister));
        await engine.Post("update/tick", new { });
        var outcome = await Last(engine, canister);
        Assert.StartsWith("#system_transient: ", outcome);
        Assert.Contains("restarted", outcome);

        // The canister is whole: its next outcall is made and refused as usual, and nothing waits any more.
        var next = await engine.Update(canister, "fetch", HttpOutcallTests.FetchArgs("https://api.example.com/again"));
        Assert.StartsWith("#system_transient: Connecting to api.example.com failed", CandidBinary.Decode(next, CandidType.Text).AsText());
        await engine.Post("update/tick", new { });
        Assert.Empty((await Pending(engine)).EnumerateArray());
    }

    [Fact]
    public async Task A_kill_while_a_real_outcall_is_being_performed_rejects_it_after_the_restart()
    {
        // A loopback server that accepts the connection and never answers: the engine's round waits for it.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = silent.AcceptTcpClientAsync();

        await using var engine = new EngineProcess(_directory);
        await engine.StartAsync();
        var canister = await engine.Install(Fixtures.Wasm("outcall"), CandidBinary.Encode([], []));
        await SubmitFetch(engine, canister, $"http://127.0.0.1:{port}/slow");
        await engine.Post("update/tick", new { });
        // The next rounds accept the request, send it, and wait for the answer.
        var ticking = Task.Run(async () =>
        {
            try
            {
                await engine.Post("update/tick", new { });
                await engine.Post("update/tick", new { });
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException) { /* killed */ }
        });
        using var connection = await accepted.WaitAsync(TimeSpan.FromSeconds(60));
        await engine.KillAsync();
        await ticking.WaitAsync(TimeSpan.FromSeconds(60));

        await engine.StartAsync();
        await engine.Post("update/tick", new { });
        var outcome = await Last(engine, canister);
        Assert.StartsWith("#system_transient: ", outcome);
        Assert.Contains("restarted", outcome);
    }

    private static async Task SubmitFetch(EngineProcess engine, Principal canister, string url)
    {
        var submitted = await engine.Post("update/submit_ingress_message", new Dictionary<string, object>
        {
            ["sender"] = Convert.ToBase64String(Alice.Bytes),
            ["canister_id"] = Convert.ToBase64String(canister.Bytes),
            ["method"] = "fetch",
            ["payload"] = Convert.ToBase64String(HttpOutcallTests.FetchArgs(url)),
            ["effective_principal"] = "None",
        });
        Assert.True(submitted.TryGetProperty("Ok", out _), submitted.ToString());
    }

    private static async Task<JsonElement> Pending(EngineProcess engine) =>
        JsonDocument.Parse(await engine.Http.GetStringAsync("/instances/0/read/get_canister_http")).RootElement.Clone();

    private static async Task<string> Last(EngineProcess engine, Principal canister) =>
        CandidBinary.Decode(await engine.Query(canister, "last"), CandidType.Text).AsText();
}
