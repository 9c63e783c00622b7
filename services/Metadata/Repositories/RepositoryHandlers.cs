using System.Globalization;
using Marten;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Repositories;

/// <summary>
/// The platform's own view of repositories (not the OCI API): what a UI or an operator wants to see in one
/// request, sizes and push times included. Everything is read from the inline projections, so a push is
/// visible here as soon as the push's answer is.
/// </summary>
public sealed class RepositoryHandlers(IQuerySession query)
{
    public const string BasePath = "/api/v1/repositories";
    public const int DefaultPageSize = ApiQuery.DefaultPageSize;
    public const int MaxPageSize = ApiQuery.MaxPageSize;

    /// <summary>GET /api/v1/repositories?n=&amp;last= — repositories with content, ordinal by name.</summary>
    public async Task<IResult> ListAsync(HttpContext http, CancellationToken ct)
    {
        if (!ApiQuery.TryPageSize(http, out var n, out var badSize))
            return badSize!;

        // Names only, sorted here: the database's collation need not be ordinal, and the cursor (`last`) must
        // compare the same way the order does. Only the page's documents are then loaded whole.
        var names = await query.Query<RepositoryState>()
            .Where(r => r.HasContent)
            .Select(r => r.Name)
            .ToListAsync(ct);
        var ordered = names.Order(StringComparer.Ordinal).ToList();
        Pagination.TryPage(ordered, n.ToString(CultureInfo.InvariantCulture), http.Request.Query["last"], out var page, out _);

        IReadOnlyList<RepositoryState> documents = page.Items.Count == 0
            ? []
            : await query.LoadManyAsync<RepositoryState>(ct, page.Items.Select(StreamKeys.Repository).ToArray());
        var byName = documents.ToDictionary(r => r.Name, StringComparer.Ordinal);

        // A repository emptied between the two reads is simply left out of this page.
        var items = page.Items
            .Where(name => byName.TryGetValue(name, out var r) && r.HasContent)
            .Select(name => Summary(byName[name]))
            .ToList();

        string? next = null;
        if (page.HasMore)
        {
            next = $"{BasePath}?n={page.Requested.ToString(CultureInfo.InvariantCulture)}&last={Uri.EscapeDataString(page.Last!)}";
            http.Response.Headers.Link = Pagination.NextLink(BasePath, page);
        }
        return Results.Json(new RepositoryList(items, next));
    }

    /// <summary>
    /// GET /api/v1/repositories/{name}?at=: tags, manifests (newest first) and linked blobs, now or as they were at a
    /// time (the repository stream's events up to then, aggregated by the same projection).
    /// </summary>
    public async Task<IResult> GetAsync(string name, HttpContext http, CancellationToken ct)
    {
        if (!RepositoryName.IsValid(name))
            return Problems.BadRequest("invalid repository name", $"'{name}' is not a valid repository name");
        if (!ApiQuery.TryAt(http, out var at, out var badAt))
            return badAt!;
        var repo = at is { } time
            ? await query.Events.AggregateStreamAsync<RepositoryState>(StreamKeys.Repository(name), timestamp: time, token: ct)
            : await query.LoadAsync<RepositoryState>(StreamKeys.Repository(name), ct);
        if (repo is null || !repo.HasContent)
            return Problems.NotFound("repository not found", at is null ? $"no repository named '{name}'" : $"no repository named '{name}' at {at:O}");

        var tagsByDigest = repo.Tags
            .GroupBy(t => t.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(t => t.Key).Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

        // Where each manifest is on IPFS (per digest, like blobs): one query for the page's manifests.
        var pinKeys = repo.Manifests.Keys.Select(StreamKeys.ManifestPin).ToArray();
        var pins = pinKeys.Length == 0
            ? new Dictionary<string, ManifestPin>(StringComparer.Ordinal)
            : (await query.LoadManyAsync<ManifestPin>(ct, pinKeys)).ToDictionary(p => p.Digest, StringComparer.Ordinal);

        var details = new RepositoryDetails(
            repo.Name,
            repo.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new TagView(t.Key, t.Value)).ToList(),
            repo.Manifests
                .OrderByDescending(m => m.Value.PushedAt)
                .ThenBy(m => m.Key, StringComparer.Ordinal)
                .Select(m => new ManifestView(m.Key, m.Value.MediaType, m.Value.Size, m.Value.PushedAt,
                    tagsByDigest.TryGetValue(m.Key, out var tags) ? tags : [],
                    pins.GetValueOrDefault(m.Key)?.Cid, pins.GetValueOrDefault(m.Key)?.Pinned == true, pins.GetValueOrDefault(m.Key)?.IpfsMode))
                .ToList(),
            repo.Blobs.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => new BlobView(b.Key, b.Value)).ToList(),
            repo.Blobs.Values.Sum(),
            repo.LastPushAt);
        return Results.Json(details);
    }

    /// <summary>
    /// GET /api/v1/repositories/{name}/blobs/{digest}: where a blob linked into this repository stands on IPFS.
    /// Blobs are stored once for all repositories, but a repository only shows the blobs it links: another
    /// repository's blob is a 404 here, as it is on the OCI API.
    /// </summary>
    public async Task<IResult> GetBlobAsync(string name, string digestText, CancellationToken ct)
    {
        if (!RepositoryName.IsValid(name))
            return Problems.BadRequest("invalid repository name", $"'{name}' is not a valid repository name");
        if (!Digest.TryParse(digestText, out var parsed, out var why))
            return Problems.BadRequest("invalid digest", $"'{digestText}' is not a valid digest: {why}");
        var digest = parsed.ToString();

        var repo = await query.LoadAsync<RepositoryState>(StreamKeys.Repository(name), ct);
        if (repo is null || !repo.HasContent)
            return Problems.NotFound("repository not found", $"no repository named '{name}'");
        if (!repo.Blobs.TryGetValue(digest, out var linkedSize))
            return Problems.NotFound("blob not found", $"repository '{name}' does not link blob {digest}");

        // A link is only written after the bytes are stored, so the record exists; should it not (a store
        // restored from an older backup), the link still says what the blob is, just nothing about IPFS.
        var blob = await query.LoadAsync<BlobRecord>(StreamKeys.Blob(digest), ct);
        return Results.Json(blob is null
            ? new BlobInfo(digest, linkedSize, null, false, null, null)
            : new BlobInfo(digest, blob.Size, blob.Cid, blob.Pinned, blob.PinnedAt, blob.Cid is null ? null : blob.IpfsMode ?? PinModes.Public));
    }

    private static RepositorySummary Summary(RepositoryState r) =>
        new(r.Name, r.Tags.Count, r.Manifests.Count, r.Blobs.Count, r.Blobs.Values.Sum(), r.LastPushAt);
}

// The response shapes, serialized camelCase by the minimal-API defaults.
public sealed record RepositoryList(IReadOnlyList<RepositorySummary> Repositories, string? Next);

public sealed record RepositorySummary(string Name, int TagCount, int ManifestCount, int BlobCount, long Size, DateTimeOffset? LastPushAt);

public sealed record RepositoryDetails(
    string Name,
    IReadOnlyList<TagView> Tags,
    IReadOnlyList<ManifestView> Manifests,
    IReadOnlyList<BlobView> Blobs,
    long Size,
    DateTimeOffset? LastPushAt);

public sealed record TagView(string Tag, string Digest);

/// <param name="Cid">The manifest's CID on IPFS (null until pinned); <paramref name="IpfsMode"/> says what it names, as for blobs.</param>
public sealed record ManifestView(string Digest, string MediaType, long Size, DateTimeOffset PushedAt, IReadOnlyList<string> Tags,
    string? Cid, bool Pinned, string? IpfsMode);

public sealed record BlobView(string Digest, long Size);

/// <param name="IpfsMode">
/// What <paramref name="Cid"/> names: "public" (the blob as it is) or "encrypted" (ciphertext only the platform can
/// read); null while the blob has no CID.
/// </param>
public sealed record BlobInfo(string Digest, long Size, string? Cid, bool Pinned, DateTimeOffset? PinnedAt, string? IpfsMode);

/// <summary>RFC 9457 problem+json for this API's refusals (the OCI error JSON is for /v2 only).</summary>
internal static class Problems
{
    public static IResult BadRequest(string title, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, detail: detail);

    public static IResult NotFound(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: title, detail: detail, extensions: extensions);

    public static IResult Conflict(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail, extensions: extensions);
}
