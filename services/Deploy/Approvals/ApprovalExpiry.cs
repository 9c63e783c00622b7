using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Approvals;

/// <summary>
/// Cancels releases whose approvals expired by the clock, not only when someone next votes or applies: every
/// <see cref="DeployOptions.ExpiryInterval"/>, each environment's latest release still awaiting approval past its
/// <c>expiresAt</c> ends <see cref="ReleaseCancelled"/> with Deploy itself as the actor (the audit log says the
/// platform cancelled it, not a person). The append expects the release's version, so a vote landing meanwhile wins
/// and the release is looked at again next round.
/// </summary>
internal sealed partial class ApprovalExpiry(IDocumentStore store, NpgsqlDataSource database, TimeProvider time,
    IOptions<DeployOptions> options, ILogger<ApprovalExpiry> logger) : BackgroundService
{
    public static bool HasExpired(ReleaseState release, DateTimeOffset now) =>
        release.Status == ReleaseStatus.AwaitingApproval && release.ExpiresAt is { } at && at <= now;

    public static ReleaseCancelled Cancellation(ReleaseState release, DateTimeOffset now) =>
        new(release.ReleaseId, release.Namespace, release.Environment, $"the approvals expired at {release.ExpiresAt:O}", now);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ExpiryInterval;
        if (interval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ExpireAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogExpiryFailed(e);
            }
        }
    }

    internal async Task ExpireAsync(CancellationToken ct)
    {
        await foreach (var (_, _, latest) in EnvironmentStreams.LatestAsync(store, database, ct))
        {
            var now = time.GetUtcNow();
            if (latest is null || !HasExpired(latest, now)) continue;
            try
            {
                await using var session = store.Session(Actor.System);
                session.Events.Append(Streams.Release(latest.ReleaseId), latest.Version + 1, Cancellation(latest, now));
                await session.SaveChangesAsync(ct);
                LogExpired(latest.ReleaseId, latest.Environment, latest.ExpiresAt!.Value);
            }
            catch (Exception e) when (e is JasperFx.Events.EventStreamUnexpectedMaxEventIdException or JasperFx.ConcurrencyException)
            {
                // A vote came first: the next round decides again.
            }
        }
    }

    [LoggerMessage(EventId = 1341, Level = LogLevel.Information, Message = "release {ReleaseId} of {Environment} cancelled: its approvals expired at {ExpiresAt}")]
    private partial void LogExpired(Guid releaseId, string environment, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1342, Level = LogLevel.Warning, Message = "approval expiry failed")]
    private partial void LogExpiryFailed(Exception exception);
}
