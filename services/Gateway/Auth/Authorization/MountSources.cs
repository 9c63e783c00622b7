using Platform.Gateway.Auth.Tokens;
using Platform.Gateway.Auth.Accounts;

namespace Platform.Gateway.Auth.Authorization;

/// <summary>
/// Cross-repository mounts read a source repository, so the caller must be allowed to pull where the bytes come from.
/// <list type="bullet">
/// <item>A mount with `from` names its source, and the client asks its token for pull on it (docker, skopeo and oras
/// all do): the token must grant it, and one that does not makes the mount be ignored and a plain upload start
/// (202), the spec's fallback.</item>
/// <item>A mount without `from` (automatic mount) names no source, so no client can ask a token for one: there the
/// account's own rights decide. It is sent on with the namespaces the account may pull
/// (<see cref="NamespaceParameter"/>; "*" for an admin), and Ingest mounts from a repository in one of them or
/// starts a session: a blob that lives only where the caller may not read is never found, and its existence never
/// shown.</item>
/// </list>
/// A client never sets the internal parameter itself: the gateway drops whatever a request brings.
/// </summary>
internal static class MountSources
{
    /// <summary>Repeated: a namespace an automatic mount may take the blob from, or "*" for any.</summary>
    public const string NamespaceParameter = "mountNamespace";

    public static async Task AuthorizeAsync(HttpContext context, Caller caller, IdentityDirectory directory)
    {
        var query = context.Request.Query;
        if (!query.TryGetValue("mount", out var mount) || mount.ToString().Length == 0)
        {
            if (query.ContainsKey("from") || query.ContainsKey(NamespaceParameter))
                Rewrite(context, null);
            return;
        }
        var from = query["from"].Where(f => f is { Length: > 0 }).ToList();
        if (from.Count > 0)
        {
            // One source, as the spec has it.
            if (from.Count != 1 || !caller.Allows(AccessEntry.Repository, from[0]!, Actions.Pull))
                Rewrite(context, null);
            else
                Rewrite(context, new Sources(From: from[0]!, Namespaces: null));
            return;
        }
        var pullable = await directory.PullableNamespacesAsync(caller.Name, context.RequestAborted);
        if (pullable is { Count: 0 })
        {
            // Nowhere to look: no mount at all, so that Ingest starts a session.
            Rewrite(context, null);
            return;
        }
        Rewrite(context, new Sources(From: null, Namespaces: pullable is null ? ["*"] : [.. pullable.Order(StringComparer.Ordinal)]));
    }

    private sealed record Sources(string? From, IReadOnlyList<string>? Namespaces);

    // Replaces the mount parameters: null drops the mount, otherwise it is kept with the given sources only.
    private static void Rewrite(HttpContext context, Sources? sources)
    {
        var kept = context.Request.Query.Where(q => q.Key is not ("from" or "mount" or NamespaceParameter))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)));
        if (sources is not null && context.Request.Query["mount"].ToString() is { Length: > 0 } digest)
        {
            kept = kept.Append(new("mount", digest));
            if (sources.From is { } from)
                kept = kept.Append(new("from", from));
            foreach (var ns in sources.Namespaces ?? [])
                kept = kept.Append(new(NamespaceParameter, ns));
        }
        context.Request.QueryString = QueryString.Create(kept);
    }
}
