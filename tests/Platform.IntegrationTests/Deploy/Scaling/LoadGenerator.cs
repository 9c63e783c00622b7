using System.Net.Http.Json;
using System.Text.Json;
using Platform.Candid;
using Platform.Contracts;
using Platform.Engine.Client;

namespace Platform.IntegrationTests.Deploy.Scaling;

/// <summary>
/// Makes a service hot as its clients would: a steady pace of update calls, each for a random key sent to the
/// replica <c>pick(name, key)</c> names in Deploy's discovery (re-read twice a second, so new replicas get their
/// share as soon as they are listed). Calls that fail (a replica that traps, one being removed) are counted, not
/// retried. Paced rather than flat out, so the load it makes is the same on a quick or a loaded machine as long as
/// the engine keeps up, and bounded in flight when it does not.
/// </summary>
public sealed class LoadGenerator(ScalingStack stack, string environment, string service, int callsPerSecond, int work) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _inFlight = new(callsPerSecond, callsPerSecond);
    private Task? _pacer, _discovery;
    private volatile IReadOnlyList<string> _replicas = [];
    private long _served, _failed;

    public long Served => Interlocked.Read(ref _served);
    public long Failed => Interlocked.Read(ref _failed);

    public async Task StartAsync()
    {
        await RefreshAsync();
        _discovery = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try { await RefreshAsync(); }
                catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException) { }
                try { await Task.Delay(500, _stop.Token); } catch (OperationCanceledException) { }
            }
        });
        _pacer = Task.Run(PaceAsync);
    }

    private async Task RefreshAsync()
    {
        var body = await stack.Deploy.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{environment}/services/{service}", _stop.Token);
        _replicas = [.. ScalingStack.InstancesOf(body).Select(i => i.CanisterId)];
    }

    private async Task PaceAsync()
    {
        var arg = CandidBinary.Encode(CandidType.Nat, CandidValue.Nat(work));
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / callsPerSecond));
        var calls = new List<Task>();
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (!await _inFlight.WaitAsync(0)) continue; // the engine is behind: do not pile up more
                var target = KeyRing.Pick($"customer-{Random.Shared.Next()}", _replicas);
                if (target is null)
                {
                    _inFlight.Release();
                    continue;
                }
                calls.Add(CallAsync(target, arg));
                calls.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) { }
        await Task.WhenAll(calls);
    }

    private async Task CallAsync(string canister, byte[] arg)
    {
        try
        {
            var outcome = await stack.Instance.UpdateCallAsync(new CanisterCall(Principal.Anonymous, Principal.FromText(canister), "work", arg));
            if (outcome is CallRejected) Interlocked.Increment(ref _failed);
            else Interlocked.Increment(ref _served);
        }
        catch (Exception e) when (e is PocketIcException or HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref _failed);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        foreach (var task in new[] { _pacer, _discovery })
            if (task is not null) await task;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
        _inFlight.Dispose();
    }
}
