using Platform.Gateway.Auth.Tokens;

namespace Platform.Gateway.Auth.Authorization;

/// <summary>
/// Cross-repository mounts read the source repository, so the token must grant pull on it: what the account could
/// be granted does not count (a token scoped to one repository must not read another through a mount). A `from`
/// the token does not grant makes the mount be ignored and a plain upload start, the spec's fallback. A mount
/// without `from` (automatic mount) is sent on with one `from` for each repository the token grants pull on, so
/// Ingest mounts from one of them or starts a session (202): a blob that lives only where the caller may not read
/// is never found, and its existence never shown.
/// </summary>
internal static class MountSources
{
    public static void Authorize(HttpContext context, Caller caller, string target)
    {
        var query = context.Request.Query;
        if (!query.TryGetValue("mount", out var mount) || mount.ToString().Length == 0)
        {
            if (query.ContainsKey("from"))
                Rewrite(context, []);
            return;
        }
        var from = query["from"].Where(f => f is { Length: > 0 }).ToList();
        if (from.Count > 0)
        {
            // One source, as the spec has it; several only as the gateway itself writes them.
            if (from.Count != 1 || !caller.Allows(AccessEntry.Repository, from[0]!, Actions.Pull))
                Rewrite(context, null);
            return;
        }
        var pullable = caller.Token?.Access
            .Where(a => a.Type == AccessEntry.Repository && a.Name != target && a.Allows(a.Type, a.Name, Actions.Pull))
            .Select(a => a.Name).Distinct(StringComparer.Ordinal).ToList() ?? [];
        // Without any: no mount at all, so that Ingest (which would search every repository when auth is off) starts a session.
        Rewrite(context, pullable.Count > 0 ? pullable : null);
    }

    // Replaces the mount parameters: null drops the mount, a list keeps it with those sources.
    private static void Rewrite(HttpContext context, IReadOnlyList<string>? sources)
    {
        var kept = context.Request.Query.Where(q => q.Key is not ("from" or "mount"))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)));
        if (sources is not null && context.Request.Query["mount"].ToString() is { Length: > 0 } digest)
            kept = kept.Append(new("mount", digest)).Concat(sources.Select(s => new KeyValuePair<string, string?>("from", s)));
        context.Request.QueryString = QueryString.Create(kept);
    }
}
