using System.Globalization;
using Marten;
using Platform.Canisters;
using Platform.Metadata.Repositories;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Canisters;

/// <summary>
/// /api/v1/canisters: canister modules and their versions, read from the inline projection (now) or the repository
/// stream's events (<c>at=</c>). The module bytes are Ingest's (it holds the content store); the rest is here.
/// </summary>
internal sealed class CanisterHandlers(IQuerySession query, CanisterHistory history)
{
    /// <summary>GET /api/v1/canisters?n=&amp;last= — modules by name, each with its latest version per branch.</summary>
    public async Task<IResult> ListAsync(HttpContext http, CancellationToken ct)
    {
        if (!ApiQuery.TryPageSize(http, out var n, out var badSize))
            return badSize!;
        var names = (await query.Query<CanisterModule>().Select(m => m.Name).ToListAsync(ct)).Order(StringComparer.Ordinal).ToList();
        // Modules whose every version was deleted are skipped, so a page may be filled from further on.
        var items = new List<CanisterSummary>();
        Pagination.TryPage(names, "", http.Request.Query["last"], out var rest, out _);
        var more = false;
        foreach (var name in rest.Items)
        {
            if (items.Count == n)
            {
                more = true;
                break;
            }
            if (await history.LiveAsync(name, null, ct) is { } live)
                items.Add(await SummaryAsync(name, live, ct));
        }
        string? next = null;
        if (more)
        {
            next = $"{CanisterApiPath.BasePath}?n={n.ToString(CultureInfo.InvariantCulture)}&last={Uri.EscapeDataString(items[^1].Name)}";
            http.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        }
        return Results.Json(new CanisterList(items, next));
    }

    /// <summary>GET /api/v1/canisters/{name}?at= — one module, its latest version per branch.</summary>
    public async Task<IResult> GetAsync(string name, HttpContext http, CancellationToken ct)
    {
        if (Invalid(name) is { } invalid)
            return invalid;
        if (!ApiQuery.TryAt(http, out var at, out var badAt))
            return badAt!;
        return await history.LiveAsync(name, at, ct) is { } live
            ? Results.Json(await SummaryAsync(name, live, ct))
            : NotFound(name, at);
    }

    /// <summary>GET /api/v1/canisters/{name}/versions?branch=&amp;tag=&amp;commit=&amp;n=&amp;last=&amp;at= — newest first.</summary>
    public async Task<IResult> VersionsAsync(string name, HttpContext http, CancellationToken ct)
    {
        if (Invalid(name) is { } invalid)
            return invalid;
        if (!ApiQuery.TryPageSize(http, out var n, out var badSize))
            return badSize!;
        if (!ApiQuery.TryAt(http, out var at, out var badAt))
            return badAt!;
        if (await history.LiveAsync(name, at, ct) is not { } live)
            return NotFound(name, at);

        var q = http.Request.Query;
        string? branch = Filter(q["branch"]), tag = Filter(q["tag"]), commit = Filter(q["commit"]), last = Filter(q["last"]);
        var ordered = Newest(live)
            .Where(v => (branch is null || v.Branch == branch) && (tag is null || v.Tag == tag)
                        && (commit is null || v.Commit.StartsWith(commit, StringComparison.Ordinal)))
            .ToList();
        var start = 0;
        if (last is not null)
        {
            start = ordered.FindIndex(v => v.Digest == last) + 1;
            if (start == 0)
                return Problems.BadRequest("invalid cursor", $"last names no version of '{name}' in this listing: {last}");
        }
        var page = ordered.Skip(start).Take(n).ToList();
        string? next = null;
        if (start + page.Count < ordered.Count)
        {
            var filters = string.Concat(
                branch is null ? "" : $"&branch={Uri.EscapeDataString(branch)}",
                tag is null ? "" : $"&tag={Uri.EscapeDataString(tag)}",
                commit is null ? "" : $"&commit={Uri.EscapeDataString(commit)}",
                at is null ? "" : $"&at={Uri.EscapeDataString(q["at"].ToString())}");
            next = $"{CanisterApiPath.BasePath}/{name}/versions?n={n.ToString(CultureInfo.InvariantCulture)}{filters}&last={Uri.EscapeDataString(page[^1].Digest)}";
            http.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        }
        return Results.Json(new VersionList(name, await ViewsAsync(page, ct), next));
    }

    /// <summary>GET /api/v1/canisters/{name}/resolve?selector=&amp;at= — one version (see <see cref="VersionSelector"/>).</summary>
    public async Task<IResult> ResolveAsync(string name, HttpContext http, CancellationToken ct)
    {
        if (Invalid(name) is { } invalid)
            return invalid;
        if (!ApiQuery.TryAt(http, out var at, out var badAt))
            return badAt!;
        var selector = http.Request.Query["selector"].ToString();
        if (await history.LiveAsync(name, at, ct) is not { } live)
            return NotFound(name, at);

        var selection = VersionSelector.Resolve(live, selector);
        var extensions = new Dictionary<string, object?> { ["name"] = name, ["selector"] = selector, ["at"] = at };
        switch (selection.Outcome)
        {
            case SelectorOutcome.Found:
                return Results.Json(new Resolution(name, selector, at, (await ViewsAsync([selection.Version!], ct))[0]));
            case SelectorOutcome.Ambiguous:
                extensions["candidates"] = selection.Candidates;
                return Problems.Conflict("ambiguous selector", $"'{selector}': {selection.Reason}", extensions);
            case SelectorOutcome.Invalid:
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid selector", detail: selection.Reason, extensions: extensions);
            default:
                return Problems.NotFound("no version matches the selector", $"'{selector}' matches no version of '{name}'{(at is null ? "" : $" at {at:O}")}: {selection.Reason}", extensions);
        }
    }

    /// <summary>GET /api/v1/canisters/{name}/versions/{digest}/candid — the service type as text/plain.</summary>
    public async Task<IResult> CandidAsync(string name, string digestText, CancellationToken ct)
    {
        if (Invalid(name) is { } invalid)
            return invalid;
        if (!Digest.TryParse(digestText, out var digest, out var why))
            return Problems.BadRequest("invalid digest", $"'{digestText}' is not a valid digest: {why}");
        var version = (await history.LiveAsync(name, null, ct))?.FirstOrDefault(v => v.Digest == digest.ToString());
        if (version is null)
            return Problems.NotFound("version not found", $"canister '{name}' has no version {digest}");
        if (version.Candid is null)
            return Problems.NotFound("no Candid interface", $"version {digest} of '{name}' has no Candid interface: its config gave none and its module has no candid:service section");
        return Results.Text(version.Candid, "text/plain; charset=utf-8");
    }

    private async Task<CanisterSummary> SummaryAsync(string name, IReadOnlyList<CanisterVersion> live, CancellationToken ct)
    {
        var heads = Newest(live).GroupBy(v => v.Branch, StringComparer.Ordinal).Select(g => g.First())
            .OrderBy(v => v.Branch, StringComparer.Ordinal).ToList();
        var views = await ViewsAsync(heads, ct);
        return new CanisterSummary(name, live.Count, live.Max(v => v.PushedAt),
            [.. heads.Select((h, i) => new BranchHead(h.Branch, views[i]))]);
    }

    private async Task<IReadOnlyList<VersionView>> ViewsAsync(IReadOnlyList<CanisterVersion> versions, CancellationToken ct)
    {
        var layers = versions.Count == 0
            ? []
            : (await query.LoadManyAsync<BlobRecord>(ct, versions.Select(v => StreamKeys.Blob(v.ModuleDigest)).Distinct().ToArray()))
                .ToDictionary(b => b.Digest, StringComparer.Ordinal);
        return [.. versions.Select(v => VersionView.Of(v, layers.GetValueOrDefault(v.ModuleDigest)))];
    }

    private static IEnumerable<CanisterVersion> Newest(IEnumerable<CanisterVersion> versions) =>
        versions.OrderByDescending(v => v.PushedAt).ThenBy(v => v.Digest, StringComparer.Ordinal);

    private static string? Filter(Microsoft.Extensions.Primitives.StringValues value) =>
        value.ToString() is { Length: > 0 } text ? text : null;

    private static IResult? Invalid(string name) =>
        RepositoryName.IsValid(name) ? null : Problems.BadRequest("invalid canister name", $"'{name}' is not a valid repository name");

    private static IResult NotFound(string name, DateTimeOffset? at) =>
        Problems.NotFound("canister not found", at is null ? $"no canister module named '{name}'" : $"no canister module named '{name}' at {at:O}",
            new Dictionary<string, object?> { ["name"] = name });
}
