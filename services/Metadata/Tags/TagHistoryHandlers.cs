using Marten;
using Platform.Metadata.Repositories;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.Writing;

namespace Platform.Metadata.Tags;

/// <summary>One change of a tag: moved to <paramref name="Digest"/> (from <paramref name="PreviousDigest"/>), or deleted.</summary>
public sealed record TagChange(string Action, string Digest, string? PreviousDigest, DateTimeOffset At, string By);

public sealed record TagHistory(string Name, string Tag, IReadOnlyList<TagChange> Changes);

/// <summary>Where a tag pointed at <paramref name="At"/> (or now): since <paramref name="MovedAt"/>, moved by <paramref name="MovedBy"/>.</summary>
public sealed record TagPointer(string Name, string Tag, string Digest, DateTimeOffset MovedAt, string MovedBy, DateTimeOffset? At);

/// <summary>
/// A tag's history, read from the repository stream's events rather than a read model: every digest it pointed to,
/// when and by whom (the event's actor), and so where it pointed at any time. GET /api/v1/repositories/{name}/tags/{tag}
/// (?at=) and .../history.
/// </summary>
internal sealed class TagHistoryHandlers(IQuerySession query)
{
    public const string Moved = "moved";
    public const string Deleted = "deleted";

    public async Task<IResult> HistoryAsync(string name, string tag, CancellationToken ct)
    {
        if (!RepositoryName.IsValid(name))
            return Problems.BadRequest("invalid repository name", $"'{name}' is not a valid repository name");
        var changes = await ChangesAsync(name, tag, null, ct);
        return changes.Count == 0
            ? Problems.NotFound("tag not found", $"repository '{name}' never had a tag '{tag}'")
            : Results.Json(new TagHistory(name, tag, changes));
    }

    public async Task<IResult> GetAsync(string name, string tag, HttpContext http, CancellationToken ct)
    {
        if (!RepositoryName.IsValid(name))
            return Problems.BadRequest("invalid repository name", $"'{name}' is not a valid repository name");
        if (!ApiQuery.TryAt(http, out var at, out var badAt))
            return badAt!;
        var changes = await ChangesAsync(name, tag, at, ct);
        return changes.Count > 0 && changes[^1] is { Action: Moved } last
            ? Results.Json(new TagPointer(name, tag, last.Digest, last.At, last.By, at))
            : Problems.NotFound("tag not found", at is null
                ? $"repository '{name}' has no tag '{tag}'"
                : $"repository '{name}' had no tag '{tag}' at {at:O}");
    }

    private async Task<List<TagChange>> ChangesAsync(string name, string tag, DateTimeOffset? at, CancellationToken ct)
    {
        var events = await query.Events.FetchStreamAsync(StreamKeys.Repository(name), timestamp: at, token: ct);
        var changes = new List<TagChange>();
        foreach (var e in events)
        {
            var by = e.Headers is { } headers && headers.TryGetValue(EventHeaders.Actor, out var actor) ? actor?.ToString() ?? "anonymous" : "anonymous";
            switch (e.Data)
            {
                case TagMoved moved when moved.Tag == tag:
                    changes.Add(new TagChange(Moved, moved.Digest, moved.PreviousDigest, e.Timestamp, by));
                    break;
                case TagDeleted deleted when deleted.Tag == tag:
                    changes.Add(new TagChange(Deleted, deleted.Digest, null, e.Timestamp, by));
                    break;
                case ManifestDeleted deleted when deleted.RemovedTags.Contains(tag, StringComparer.Ordinal):
                    changes.Add(new TagChange(Deleted, deleted.Digest, null, e.Timestamp, by));
                    break;
            }
        }
        return changes;
    }
}
