using System.Net.Http.Json;
using Platform.Gateway.Auth.Tokens;

namespace Platform.Gateway.Console.Backends;

// Canister modules (Metadata, pull on the module's repository as on /api/v1/canisters), environments and their
// releases (Deploy, for the members of the environment's namespace as on /api/v1/environments) and the Scaler's view of
// them (the same members, as on /api/v1/scaler with namespace=).
internal sealed partial class ConsoleBackend
{
    private const int VersionPageSize = 100;

    private string Deploy => backends.Value.Routed["deploy"];

    private string Scaler => backends.Value.Routed["scaler"];

    /// <summary>The canister modules the user may pull, ordinal by name.</summary>
    public async Task<BackendResult<List<CanisterSummary>>> CanistersAsync(HttpContext http, CancellationToken ct)
    {
        var pullable = await access.PullableNamespacesAsync(http, ct);
        var visible = new List<CanisterSummary>();
        string? next = $"/api/v1/canisters?n={BackendPageSize}";
        while (next is not null)
        {
            var page = await GetAsync<CanisterList>(http, backends.Value.Metadata, next, ct);
            if (!page.Ok)
                return new(null, page.Status, page.Problem);
            visible.AddRange(page.Value!.Canisters.Where(c => pullable is null || pullable.Contains(ScopeParser.NamespaceOf(c.Name))));
            next = page.Value.Next;
        }
        return BackendResult<List<CanisterSummary>>.Of(visible);
    }

    public async Task<BackendResult<CanisterSummary>> CanisterAsync(HttpContext http, string name, CancellationToken ct) =>
        await access.MayPullAsync(http, name, ct)
            ? await GetAsync<CanisterSummary>(http, backends.Value.Metadata, $"/api/v1/canisters/{name}", ct)
            : Hidden<CanisterSummary>(name);

    /// <summary>The newest versions of a module, of one branch when given.</summary>
    public async Task<BackendResult<CanisterVersionList>> CanisterVersionsAsync(HttpContext http, string name, string? branch, CancellationToken ct) =>
        await access.MayPullAsync(http, name, ct)
            ? await GetAsync<CanisterVersionList>(http, backends.Value.Metadata,
                $"/api/v1/canisters/{name}/versions?n={VersionPageSize}" + (string.IsNullOrEmpty(branch) ? "" : "&branch=" + Uri.EscapeDataString(branch)), ct)
            : Hidden<CanisterVersionList>(name);

    /// <summary>One version (resolved by its manifest digest) and its Candid interface.</summary>
    public async Task<BackendResult<CanisterVersionDetails>> CanisterVersionAsync(HttpContext http, string name, string digest, CancellationToken ct)
    {
        if (!await access.MayPullAsync(http, name, ct))
            return Hidden<CanisterVersionDetails>(name);
        var resolved = await GetAsync<CanisterResolution>(http, backends.Value.Metadata,
            $"/api/v1/canisters/{name}/resolve?selector={Uri.EscapeDataString(digest)}", ct);
        if (!resolved.Ok)
            return new(null, resolved.Status, resolved.Problem);
        var version = resolved.Value!.Version;
        string? candid = null;
        if (version.HasCandid)
        {
            var text = await GetAsync<string>(http, backends.Value.Metadata, $"/api/v1/canisters/{name}/versions/{version.Digest}/candid", ct, "text/plain");
            if (!text.Ok)
                return new(null, text.Status, text.Problem);
            candid = text.Value;
        }
        return BackendResult<CanisterVersionDetails>.Of(new CanisterVersionDetails(version, candid));
    }

    private sealed record CanisterResolution(string Name, CanisterVersion Version);

    // ---- environments (Deploy)

    /// <summary>The environments of the namespaces the user is a member of (admins: all), by name.</summary>
    public async Task<BackendResult<List<EnvironmentItem>>> EnvironmentsAsync(HttpContext http, CancellationToken ct)
    {
        var all = await GetAsync<EnvironmentList>(http, Deploy, "/api/v1/environments", ct);
        if (!all.Ok)
            return new(null, all.Status, all.Problem);
        var member = new Dictionary<string, bool>(StringComparer.Ordinal);
        var visible = new List<EnvironmentItem>();
        foreach (var env in all.Value!.Environments)
        {
            if (!member.TryGetValue(env.Namespace, out var may))
                member[env.Namespace] = may = await access.IsMemberAsync(http, env.Namespace, ct);
            if (may) visible.Add(env);
        }
        return BackendResult<List<EnvironmentItem>>.Of(visible);
    }

    /// <summary>An environment's desired and actual state; one the user may not read is a 404, like one that does not exist.</summary>
    public async Task<BackendResult<EnvironmentDetails>> EnvironmentAsync(HttpContext http, string env, CancellationToken ct)
    {
        var details = await GetAsync<EnvironmentDetails>(http, Deploy, $"/api/v1/environments/{Uri.EscapeDataString(env)}", ct);
        if (!details.Ok)
            return details.Status == StatusCodes.Status404NotFound ? HiddenEnvironment<EnvironmentDetails>(env) : details;
        return await access.IsMemberAsync(http, details.Value!.Namespace, ct) ? details : HiddenEnvironment<EnvironmentDetails>(env);
    }

    public async Task<BackendResult<ReleaseList>> ReleasesAsync(HttpContext http, EnvironmentDetails env, CancellationToken ct) =>
        await GetAsync<ReleaseList>(http, Deploy, $"/api/v1/environments/{Uri.EscapeDataString(env.Name)}/releases?limit=20", ct);

    public async Task<BackendResult<ReleaseDetails>> ReleaseAsync(HttpContext http, string env, Guid id, CancellationToken ct)
    {
        var release = await GetAsync<ReleaseDetails>(http, Deploy, $"/api/v1/environments/{Uri.EscapeDataString(env)}/releases/{id}", ct);
        if (!release.Ok)
            return release.Status == StatusCodes.Status404NotFound ? HiddenEnvironment<ReleaseDetails>(env) : release;
        return await access.IsMemberAsync(http, release.Value!.Namespace, ct) ? release : HiddenEnvironment<ReleaseDetails>(env);
    }

    /// <summary>
    /// The user's vote, sent to Deploy as the user: Deploy alone knows the approvers the file names and refuses everyone
    /// else, whatever the console shows. The answer is the release after the vote, or Deploy's refusal.
    /// </summary>
    public async Task<BackendResult<ReleaseDetails>> VoteAsync(HttpContext http, string env, Guid id, string vote, string? comment, CancellationToken ct)
    {
        if (await ReleaseAsync(http, env, id, ct) is { Ok: false } hidden)
            return hidden;
        using var body = JsonContent.Create(new { vote, comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim() });
        return await SendAsync<ReleaseDetails>(http, Deploy, HttpMethod.Post, $"/api/v1/environments/{Uri.EscapeDataString(env)}/releases/{id}/approvals",
            body, ct);
    }

    // ---- the Scaler's view of an environment

    /// <summary>
    /// The environment with what the Scaler knows of it: instances and their latest load, load series, call edges,
    /// subnets and decisions. The Scaler being away leaves the Deploy part standing, with the problem said.
    /// </summary>
    public async Task<BackendResult<TopologyView>> TopologyAsync(HttpContext http, string env, CancellationToken ct)
    {
        var details = await EnvironmentAsync(http, env, ct);
        if (!details.Ok)
            return new(null, details.Status, details.Problem);
        var query = $"?namespace={Uri.EscapeDataString(details.Value!.Namespace)}&environment={Uri.EscapeDataString(env)}";
        var state = GetAsync<ScalerState>(http, Scaler, "/api/v1/scaler/state" + query, ct);
        var load = GetAsync<ScalerLoad>(http, Scaler, "/api/v1/scaler/load" + query, ct);
        var decisions = GetAsync<ScalingDecisions>(http, Scaler, "/api/v1/scaler/decisions" + query + "&limit=200", ct);
        await Task.WhenAll(state, load, decisions);
        // The Scaler being away (or any of its answers failing) leaves Deploy's part standing, with the reason said.
        var problem = state.Result.Ok && load.Result.Ok && decisions.Result.Ok
            ? null
            : state.Result.Problem ?? load.Result.Problem ?? decisions.Result.Problem ?? "the Scaler is not answering";
        return BackendResult<TopologyView>.Of(new TopologyView(details.Value, state.Result.Value, load.Result.Value,
            decisions.Result.Value?.Decisions ?? [], problem));
    }

    private static BackendResult<T> HiddenEnvironment<T>(string env) =>
        new(default, StatusCodes.Status404NotFound, $"no environment named '{env}' that you may see");
}
