using JasperFx.Events;
using Platform.Contracts;
using Platform.Deploy.Releases;
using Platform.Deploy.Scaling;

namespace Platform.Deploy.Relay;

/// <summary>
/// Deploy's events as the contracts other services consume; events nobody else needs (a release's steps) map to
/// nothing, and an environment's release end maps to two messages (the end, and EnvironmentDeployedV1).
/// </summary>
internal static class DeployIntegrationEvents
{
    public static IEnumerable<IPlatformEvent> From(IEvent e)
    {
        var meta = Meta(e);
        switch (e.Data)
        {
            case ReleasePlanned x:
                yield return new ReleasePlannedV1(meta, x.Namespace, x.Environment, x.ReleaseId, x.Protected, x.DeletesEnvironment,
                    [.. x.Services.Select(s => new ReleaseServicePlan(s.Name, s.Action, s.Module, s.Selector, s.Digest, s.ModuleHash, s.PreviousModuleHash))]);
                break;
            case ScalingReleasePlanned x:
                yield return ScalingContracts.Planned(meta, x);
                break;
            case ApprovalVoted x:
                yield return new ReleaseVotedV1(meta, x.Namespace, x.Environment, x.ReleaseId, x.Vote, x.Comment);
                break;
            case ReleaseCancelled x:
                yield return new ReleaseEndedV1(meta, x.Namespace, x.Environment, x.ReleaseId, ReleaseStatus.Cancelled, x.Reason);
                break;
            case EnvironmentReleased x:
                yield return new ReleaseEndedV1(meta, x.Namespace, x.Environment, x.ReleaseId, ReleaseStatus.Succeeded, null);
                yield return Deployed(meta with { EventId = Derived(e.Id) }, x.Namespace, x.Environment, x.ReleaseId, false, x.Services);
                break;
            case EnvironmentReleaseEnded x:
                yield return new ReleaseEndedV1(meta, x.Namespace, x.Environment, x.ReleaseId, x.Status, x.Reason);
                if (x.Status == ReleaseStatus.RolledBack)
                    yield return Deployed(meta with { EventId = Derived(e.Id) }, x.Namespace, x.Environment, x.ReleaseId, false, x.Services);
                break;
            case EnvironmentDeleted x:
                yield return new ReleaseEndedV1(meta, x.Namespace, x.Environment, x.ReleaseId, ReleaseStatus.Succeeded, null);
                yield return Deployed(meta with { EventId = Derived(e.Id) }, x.Namespace, x.Environment, x.ReleaseId, true, []);
                break;
            case DriftDetected x:
                yield return new DriftDetectedV1(meta, x.Namespace, x.Environment, x.Service, x.CanisterId, x.Kind, x.Expected, x.Actual);
                break;
        }
    }

    /// <summary>The state after a rolled-back release is the previous one: the relay republishes it from the environment.</summary>
    public static EnvironmentDeployedV1 Deployed(EventMetadata meta, string ns, string environment, Guid releaseId, bool deleted,
        IReadOnlyList<DeployedServiceState> services) =>
        new(meta, ns, environment, releaseId, deleted, [.. services.Select(s => new DeployedService(
            s.Name, s.Digest, s.ModuleHash, ServiceInstances.Of(s), s.Replicas, s.Scaling, s.Sharding))]);

    /// <summary>A second message from one event needs its own stable id (consumers de-duplicate on it).</summary>
    public static Guid Derived(Guid id)
    {
        var bytes = id.ToByteArray();
        bytes[0] ^= 0xD5;
        return new Guid(bytes);
    }

    private static EventMetadata Meta(IEvent e) => new(
        e.Id, e.Sequence, e.Timestamp, Header(e, EventHeaders.Actor) ?? "anonymous",
        Header(e, EventHeaders.ClientAddress), Header(e, EventHeaders.UserAgent), e.CorrelationId);

    private static string? Header(IEvent e, string name) =>
        e.Headers is { } headers && headers.TryGetValue(name, out var value) ? value?.ToString() : null;
}
