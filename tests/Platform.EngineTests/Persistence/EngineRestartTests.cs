using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Persistence;

/// <summary>
/// The persistent instance across restarts of a real engine process: a graceful stop, and a SIGKILL in the middle
/// of a burst of updates, after which every acknowledged update is there.
/// </summary>
public sealed class EngineRestartTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "engine-data-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_platform_instance_is_listed_with_three_subnets_and_survives_a_graceful_restart()
    {
        await using var engine = new EngineProcess(_directory);
        await engine.StartAsync();
        Assert.Equal(["Available"], (await engine.Http.GetFromJsonAsync<string[]>("/instances"))!);
        var topology = await engine.Http.GetFromJsonAsync<JsonElement>("/instances/0/_/topology");
        Assert.Equal(3, topology.GetProperty("subnet_configs").EnumerateObject().Count());

        var counter = await engine.Install(Fixtures.Wasm("counter"), Nat(7));
        for (var i = 0; i < 5; i++) await engine.Update(counter, "inc", NoArgs);
        Assert.Equal(HttpStatusCode.BadRequest, (await engine.Http.DeleteAsync("/instances/0")).StatusCode);
        // An instance a client creates is in memory only and takes the next id.
        using var created = await engine.Http.PostAsync("/instances", JsonContent.Create(new { }));
        Assert.Equal(1, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("Created").GetProperty("instance_id").GetInt32());

        await engine.StopAsync();
        await engine.StartAsync();
        Assert.Equal(["Available"], (await engine.Http.GetFromJsonAsync<string[]>("/instances"))!);
        Assert.Equal(12, DecodeNat(await engine.Query(counter, "get")));
        Assert.Equal(13, DecodeNat(await engine.Update(counter, "inc", NoArgs)));
    }

    [Fact]
    public async Task A_kill_in_the_middle_of_a_burst_of_updates_loses_no_acknowledged_update()
    {
        await using var engine = new EngineProcess(_directory);
        await engine.StartAsync();
        var counter = await engine.Install(Fixtures.Wasm("counter"), Nat(0));

        var acknowledged = 0;
        var highest = 0L;
        var attempts = 0;
        using var stop = new CancellationTokenSource();
        async Task Burst()
        {
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref attempts);
                try
                {
                    var value = (long)DecodeNat(await engine.Update(counter, "inc", NoArgs));
                    Interlocked.Increment(ref acknowledged);
                    long seen;
                    while ((seen = Interlocked.Read(ref highest)) < value && Interlocked.CompareExchange(ref highest, value, seen) != seen) { }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    return; // the engine is gone: this update was in flight, not acknowledged
                }
            }
        }
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(Burst)).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (Volatile.Read(ref acknowledged) < 60)
        {
            if (DateTime.UtcNow > deadline || clients.All(c => c.IsCompleted))
            {
                throw new TimeoutException($"only {acknowledged} updates were acknowledged before the burst stopped:\n{engine.Output}");
            }
            await Task.Delay(10);
        }
        await engine.KillAsync();
        stop.Cancel();
        await Task.WhenAll(clients);

        Assert.True(attempts > acknowledged, "no update was in flight when the engine was killed");

        await engine.StartAsync();
        var count = (long)DecodeNat(await engine.Query(counter, "get"));
        Assert.True(count >= highest && count >= acknowledged, $"after the kill the counter is {count}, but {acknowledged} increments were acknowledged (the highest answer {highest})");
        Assert.True(count <= Volatile.Read(ref attempts), $"the counter is {count} after {attempts} attempts");
        Assert.Equal(count + 1, (long)DecodeNat(await engine.Update(counter, "inc", NoArgs)));
    }

    [Fact]
    public async Task An_engine_whose_snapshot_is_damaged_does_not_start()
    {
        var instance = Path.Combine(_directory, "platform");
        Directory.CreateDirectory(instance);
        await File.WriteAllBytesAsync(Path.Combine(instance, "snapshot.3"), [1, 2, 3, 4, 5, 6, 7, 8]);
        await using var engine = new EngineProcess(_directory);
        await engine.StartAsync(expectFailure: true);
        Assert.NotEqual(0, engine.ExitCode);
        Assert.Contains("damaged", engine.Output);
        Assert.True(File.Exists(Path.Combine(instance, "snapshot.3")), "the damaged file is left for the operator");
    }
}
