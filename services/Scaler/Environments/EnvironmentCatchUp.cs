using System.Net;
using System.Net.Http.Json;
using Marten;
using Platform.Contracts;
using Platform.Scaler.Policy;
using Platform.Scaler.Signals;

namespace Platform.Scaler.Environments;

/// <summary>
/// Deploy's environments as they are now, read from Deploy's API (<c>GET /internal/v1/scaling/environments</c>): the
/// Scaler hears of a release only while it runs, so at start it catches up on the environments deployed before
/// (retrying until Deploy answers), and again when the engine reports load of a canister no environment it knows has
/// (an environment released while it was down, or a report it missed), at most once per
/// <see cref="ScalerServiceOptions.CatchUpInterval"/>. An environment Deploy no longer has is forgotten, unless a
/// report newer than the catch-up says otherwise.
/// </summary>
internal sealed partial class EnvironmentCatchUp(
    DeployEnvironments deploy, IDocumentStore store, EnvironmentLocks locks, ScalerOptions policy, LoadWindow window,
    Microsoft.Extensions.Options.IOptions<ScalerServiceOptions> options, TimeProvider clock, ILogger<EnvironmentCatchUp> logger)
    : BackgroundService
{
    // Canisters still unknown after a catch-up (not a service's: the registry's own, another engine user's): they do
    // not trigger another one.
    private readonly HashSet<string> _strangers = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wait = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CatchUpAsync(stoppingToken);
                break;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !stoppingToken.IsCancellationRequested)
            {
                LogDeployUnavailable(e, wait);
                await Task.Delay(wait, clock, stoppingToken);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, options.Value.CatchUpInterval.Ticks));
            }
        }

        var last = clock.GetUtcNow();
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (clock.GetUtcNow() - last < options.Value.CatchUpInterval)
                    continue;
                var unknown = await UnknownCanistersAsync(stoppingToken);
                if (unknown.Count == 0)
                    continue;
                last = clock.GetUtcNow();
                LogUnknownCanisters(unknown.Count, unknown[0]);
                await CatchUpAsync(stoppingToken);
                _strangers.UnionWith(await UnknownCanistersAsync(stoppingToken));
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogCatchUpFailed(e);
            }
        }
    }

    public async Task CatchUpAsync(CancellationToken ct)
    {
        var snapshot = await deploy.EnvironmentsAsync(ct);
        var applied = 0;
        foreach (var report in snapshot.Environments)
            if (!string.IsNullOrWhiteSpace(report.Namespace) && !string.IsNullOrWhiteSpace(report.Environment)
                && await EnvironmentReports.ApplyAsync(store, locks, policy, report, ct))
                applied++;

        // Known here, gone there: deleted while the Scaler did not hear it (a deletion after the snapshot has a higher sequence).
        IReadOnlyList<EnvironmentState> known;
        await using (var query = store.QuerySession())
            known = await query.Query<EnvironmentState>().ToListAsync(ct);
        var there = snapshot.Environments.Select(e => EnvironmentState.IdOf(e.Namespace, e.Environment)).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in known.Where(k => !there.Contains(k.Id)))
        {
            var deleted = new EnvironmentDeployedV1(new EventMetadata(Guid.Empty, snapshot.Sequence, clock.GetUtcNow(), "deploy", null, null, null),
                gone.Namespace, gone.Environment, Guid.Empty, true, []);
            if (await EnvironmentReports.ApplyAsync(store, locks, policy, deleted, ct))
                applied++;
        }
        LogCaughtUp(snapshot.Environments.Count, applied, snapshot.Sequence);
    }

    private async Task<List<string>> UnknownCanistersAsync(CancellationToken ct)
    {
        var seen = window.Canisters();
        if (seen.Count == 0)
            return [];
        IReadOnlyList<EnvironmentState> known;
        await using (var query = store.QuerySession())
            known = await query.Query<EnvironmentState>().ToListAsync(ct);
        var ours = known.SelectMany(k => k.Services).SelectMany(s => s.Instances).Select(i => i.CanisterId)
            .Concat(known.SelectMany(k => k.Former).Select(f => f.CanisterId)).ToHashSet(StringComparer.Ordinal);
        return [.. seen.Where(c => !ours.Contains(c) && !_strangers.Contains(c)).Order(StringComparer.Ordinal)];
    }

    [LoggerMessage(EventId = 1404, Level = LogLevel.Information, Message = "caught up from Deploy: {Environments} environments, {Applied} changed what was known (sequence {Sequence})")]
    private partial void LogCaughtUp(int environments, int applied, long sequence);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "Deploy's environments are not readable yet; retrying in {Wait}")]
    private partial void LogDeployUnavailable(Exception error, TimeSpan wait);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Information, Message = "the engine reports {Count} canisters no known environment has (first {Canister}): catching up from Deploy")]
    private partial void LogUnknownCanisters(int count, string canister);

    [LoggerMessage(EventId = 1407, Level = LogLevel.Error, Message = "catching up from Deploy failed; the next unknown canister retries")]
    private partial void LogCatchUpFailed(Exception error);
}

/// <summary>Deploy's API, for the environments as they are now. Deploy speaks h2c only: HTTP/2 with prior knowledge.</summary>
internal sealed class DeployEnvironments(HttpClient http)
{
    public async Task<ScalingEnvironmentsV1> EnvironmentsAsync(CancellationToken ct)
    {
        const string Path = ScalingEnvironmentsV1.Path;
        using var response = await http.GetAsync(Path, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new HttpRequestException($"GET {Path}: {(int)response.StatusCode}", null, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<ScalingEnvironmentsV1>(ct)
            ?? throw new HttpRequestException($"GET {Path}: an empty answer");
    }
}
