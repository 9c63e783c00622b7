using MassTransit;
using Platform.Audit.Log;
using Platform.Audit.Webhooks;
using Platform.Contracts;

namespace Platform.Audit.Recording;

/// <summary>
/// Records every integration event in the audit log and queues the webhook deliveries it asks for. Idempotent:
/// the log is keyed by the event id, so a redelivered event is a no-op.
/// </summary>
internal sealed class AuditConsumer(AuditLog log, WebhookFanOut webhooks) :
    IConsumer<UploadStartedV1>, IConsumer<UploadCompletedV1>, IConsumer<UploadCancelledV1>,
    IConsumer<BlobStoredV1>, IConsumer<BlobLinkedV1>, IConsumer<BlobUnlinkedV1>,
    IConsumer<ManifestPushedV1>, IConsumer<TagMovedV1>, IConsumer<TagDeletedV1>, IConsumer<ManifestDeletedV1>,
    IConsumer<BlobPinnedV1>, IConsumer<BlobUnpinnedV1>,
    IConsumer<BlobDeletedV1>, IConsumer<UploadExpiredV1>, IConsumer<GarbageCollectedV1>,
    IConsumer<AccessDeniedV1>, IConsumer<LoginFailedV1>, IConsumer<ManifestPulledV1>,
    IConsumer<CanisterVersionPushedV1>, IConsumer<CanisterVersionCorruptedV1>,
    IConsumer<ReleasePlannedV1>, IConsumer<ReleaseVotedV1>, IConsumer<ReleaseEndedV1>, IConsumer<DriftDetectedV1>,
    IConsumer<ScaleOutDecidedV1>, IConsumer<ScaleInDecidedV1>, IConsumer<ShardSplitDecidedV1>, IConsumer<ReplicaReplacedV1>
{
    public Task Consume(ConsumeContext<UploadStartedV1> c) => Record(c, "upload.started", c.Message.Repository);
    public Task Consume(ConsumeContext<UploadCompletedV1> c) => Record(c, "upload.completed", c.Message.Repository, c.Message.Digest);
    public Task Consume(ConsumeContext<UploadCancelledV1> c) => Record(c, "upload.cancelled", c.Message.Repository);
    public Task Consume(ConsumeContext<BlobStoredV1> c) => Record(c, "blob.stored", null, c.Message.Digest);
    public Task Consume(ConsumeContext<BlobLinkedV1> c) => Record(c, "blob.linked", c.Message.Repository, c.Message.Digest);
    public Task Consume(ConsumeContext<BlobUnlinkedV1> c) => Record(c, "blob.unlinked", c.Message.Repository, c.Message.Digest);
    public Task Consume(ConsumeContext<ManifestPushedV1> c) => Record(c, "manifest.pushed", c.Message.Repository, c.Message.Digest);
    public Task Consume(ConsumeContext<TagMovedV1> c) => Record(c, "tag.moved", c.Message.Repository, c.Message.Digest, c.Message.Tag);
    public Task Consume(ConsumeContext<TagDeletedV1> c) => Record(c, "tag.deleted", c.Message.Repository, c.Message.Digest, c.Message.Tag);
    public Task Consume(ConsumeContext<ManifestDeletedV1> c) => Record(c, "manifest.deleted", c.Message.Repository, c.Message.Digest);
    public Task Consume(ConsumeContext<BlobPinnedV1> c) => Record(c, "blob.pinned", null, c.Message.Digest);
    public Task Consume(ConsumeContext<BlobUnpinnedV1> c) => Record(c, "blob.unpinned", null, c.Message.Digest);
    public Task Consume(ConsumeContext<BlobDeletedV1> c) => Record(c, "blob.deleted", null, c.Message.Digest);
    public Task Consume(ConsumeContext<UploadExpiredV1> c) => Record(c, "upload.expired", c.Message.Repository);

    // The log's columns are about one repository, digest and tag; a run's figures go in the tag column, as one
    // short line, so the log (and its hash chain) says what each run freed without a new column.
    public Task Consume(ConsumeContext<GarbageCollectedV1> c) =>
        Record(c, c.Message.DryRun ? "gc.dry-run" : "gc.completed", null, null, GcSummary(c.Message));

    internal static string GcSummary(GarbageCollectedV1 m) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"run={m.RunId:N} bytes-reclaimed={m.BytesReclaimed} unlinked={m.UnlinkedBlobs} deleted={m.DeletedBlobs} expired-uploads={m.ExpiredUploads} orphan-files={m.OrphanFiles} truncated-uploads={m.TruncatedUploads} retention-tags={m.RetentionTags} retention-manifests={m.RetentionManifests} requested-by={m.RequestedBy}");

    // The tag column names the version as a deploy file selects it: branch, tag and commit.
    public Task Consume(ConsumeContext<CanisterVersionPushedV1> c) =>
        Record(c, "canister.pushed", c.Message.Repository, c.Message.Digest, CanisterVersionLine(c.Message.Branch, c.Message.Tag, c.Message.Commit));
    public Task Consume(ConsumeContext<CanisterVersionCorruptedV1> c) =>
        Record(c, "canister.corrupted", c.Message.Repository, c.Message.Digest, $"module-hash={c.Message.ModuleHash} found={c.Message.Found}");

    internal static string CanisterVersionLine(string branch, string? tag, string commit) =>
        tag is null ? $"{branch}@{commit}" : $"{branch}:{tag}@{commit}";

    public Task Consume(ConsumeContext<AccessDeniedV1> c) => Record(c, "access.denied", c.Message.Repository);
    public Task Consume(ConsumeContext<LoginFailedV1> c) => Record(c, "login.failed", null);
    public Task Consume(ConsumeContext<ManifestPulledV1> c) =>
        Record(c, "manifest.pulled", c.Message.Repository, c.Message.Digest,
            c.Message.Reference.StartsWith("sha256:", StringComparison.Ordinal) ? null : c.Message.Reference);

    // Deploy's events: the environment ("namespace/environment") in the repository column, the release and what
    // happened in the tag column, the actor (who applied, who voted) as for every event.
    public Task Consume(ConsumeContext<ReleasePlannedV1> c) =>
        Record(c, c.Message.DeletesEnvironment ? "environment.delete-planned" : "release.planned", $"{c.Message.Namespace}/{c.Message.Environment}", null,
            $"release={c.Message.ReleaseId:N} " + string.Join(' ', c.Message.Services.Select(s => $"{s.Service}={s.Action}")));
    public Task Consume(ConsumeContext<ReleaseVotedV1> c) =>
        Record(c, "release.voted", $"{c.Message.Namespace}/{c.Message.Environment}", null, $"release={c.Message.ReleaseId:N} vote={c.Message.Vote}");
    public Task Consume(ConsumeContext<ReleaseEndedV1> c) =>
        Record(c, "release." + c.Message.Status, $"{c.Message.Namespace}/{c.Message.Environment}", null, $"release={c.Message.ReleaseId:N}");
    public Task Consume(ConsumeContext<DriftDetectedV1> c) =>
        Record(c, "environment.drift", $"{c.Message.Namespace}/{c.Message.Environment}", c.Message.Actual, $"service={c.Message.Service} kind={c.Message.Kind}");

    // The Scaler's decisions: the service ("namespace/environment/service") in the repository column, what was
    // decided and why in the tag column, as for a GC run.
    public Task Consume(ConsumeContext<ScaleOutDecidedV1> c) =>
        Record(c, "scaler.scale-out", ServiceOf(c.Message.Decision), null, Summary(c.Message.Decision, $"{c.Message.From}->{c.Message.To} subnets={string.Join(',', c.Message.Subnets)}"));
    public Task Consume(ConsumeContext<ScaleInDecidedV1> c) =>
        Record(c, "scaler.scale-in", ServiceOf(c.Message.Decision), null, Summary(c.Message.Decision, $"{c.Message.From}->{c.Message.To} canisters={string.Join(',', c.Message.CanisterIds)}"));
    public Task Consume(ConsumeContext<ShardSplitDecidedV1> c) =>
        Record(c, "scaler.shard-split", ServiceOf(c.Message.Decision), null, Summary(c.Message.Decision, $"{c.Message.FromShards}->{c.Message.ToShards} subnets={string.Join(',', c.Message.Subnets)}"));
    public Task Consume(ConsumeContext<ReplicaReplacedV1> c) =>
        Record(c, "scaler.replica-replaced", ServiceOf(c.Message.Decision), null, Summary(c.Message.Decision, $"old={c.Message.OldCanisterId} subnet={c.Message.Subnet}"));

    private static string ServiceOf(ScalingDecision d) => $"{d.Namespace}/{d.Environment}/{d.Service}";

    internal static string Summary(ScalingDecision d, string what) =>
        $"decision={d.DecisionId:N} {what} reason={d.Reason} " +
        string.Join(' ', d.Signals.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.Key}={s.Value}")));

    // Then the webhooks that want the event: queued after it is in the log, so a redelivered message (recorded
    // once) queues each delivery once too (deliveries are unique per webhook and event).
    private async Task Record<T>(ConsumeContext<T> context, string action, string? repository, string? digest = null, string? tag = null)
        where T : class, IPlatformEvent
    {
        var m = context.Message.Meta;
        await log.AppendAsync(
            new AuditRecord(m.EventId, m.OccurredAt, m.Actor, m.ClientAddress, m.UserAgent, action, repository, digest, tag, m.RequestId),
            context.CancellationToken);
        await webhooks.EnqueueAsync(context.Message, context.CancellationToken);
    }
}
