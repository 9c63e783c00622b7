using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Auditing;
using Platform.Gateway.Auth.Tokens;
using Platform.Registry.Oci;
using Platform.Registry.Routing;

namespace Platform.Gateway.Auth.Authorization;

/// <summary>
/// Decides every /v2 and /api/v1 request after <see cref="CallerAuthentication"/> has named the caller.
/// <para>/v2 (the spec): the action comes from method and path (GET/HEAD pull, POST/PUT/PATCH push, DELETE
/// delete) and the token must grant it. Without a (sufficient) token: 401 with the Bearer challenge naming the scope
/// to ask for; when the account itself is not allowed: 403 DENIED. Anonymous pull of public namespaces needs no token.</para>
/// <para>/api/v1/repositories: the same rule, pull on the repository, for whatever credentials the caller used
/// (a bearer token must grant the pull, as on /v2; Basic credentials act as the account); the listing is filtered
/// by <see cref="Registry.RepositoryListEndpoint"/>. /api/v1/canisters: the same, pull on the module's repository. /api/v1/namespaces/{ns}/retention (Ingest's): GET for the
/// namespace's members, PUT for its owners and maintainers, admins always. /api/v1/scaler: admins, or the members of
/// the namespace the query names. /api/v1/audit and /api/v1/admin/gc: admins
/// only. Any other proxied /api/v1 route
/// is admins only until it has a rule of its own here, so a new backend route is never open by accident.</para>
/// </summary>
internal static class RegistryGuard
{
    public static WebApplication UseRegistryAuthorization(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments("/v2", out var rest))
            {
                if (!await AuthorizeOciAsync(context, rest.Value ?? ""))
                    return;
            }
            else if (path.StartsWithSegments("/api/v1", out var api))
            {
                if (!await AuthorizePlatformApiAsync(context, api.Value ?? ""))
                    return;
            }
            await next(context);
        });
        return app;
    }

    private static async Task<bool> AuthorizePlatformApiAsync(HttpContext context, string rest)
    {
        var caller = context.GetCaller();
        if (caller.Presented == Credentials.Invalid)
        {
            await Challenge(context, null, "invalid_token").ExecuteAsync(context);
            return false;
        }
        if (rest.StartsWith("/repositories", StringComparison.OrdinalIgnoreCase) && (rest.Length == "/repositories".Length || rest["/repositories".Length] == '/'))
        {
            var name = RepositoryOf(rest["/repositories".Length..].Trim('/'));
            if (name.Length > 0)
                return await AuthorizePullAsync(context, name);
            // The listing: the gateway's own endpoint answers, with what this caller may pull. Anything else that
            // reached the bare path (another method) goes to the backend only for admins.
            if (context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == Registry.RepositoryListEndpoint.Name)
                return true;
            return await AuthorizeAdminAsync(context);
        }
        if (rest.StartsWith("/canisters", StringComparison.OrdinalIgnoreCase) && (rest.Length == "/canisters".Length || rest["/canisters".Length] == '/'))
        {
            // The same rule as repositories: pull on the module's repository, for every read of it; the listing is
            // the gateway's own filtered one.
            if (Platform.Canisters.CanisterApiPath.TryParse(rest["/canisters".Length..], out var canister))
                return await AuthorizePullAsync(context, canister.Name);
            if (context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == Registry.RepositoryListEndpoint.CanisterListName)
                return true;
            return await AuthorizeAdminAsync(context);
        }
        // The identity API checks the caller itself (some routes are every user's own, /namespaces/{ns} is its
        // members' and owners', see Namespaces.NamespaceEndpoints); proxied routes are the backends' and need a
        // rule here: the audit log and anything not yet known are for admins. (Metadata's namespace usage is not
        // routed at all: the gateway asks it itself.)
        if (context.GetEndpoint()?.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>() is null)
            return true;
        if (RetentionNamespaceOf(rest) is { } ns)
            return await AuthorizeRetentionAsync(context, ns);
        if (WebhookNamespaceOf(rest) is { } hooked)
            return await AuthorizeWebhooksAsync(context, hooked);
        if (EnvironmentAccess.EnvironmentOf(rest) is { } environment)
            return await EnvironmentAccess.AuthorizeAsync(context, environment);
        if (rest.StartsWith("/scaler/", StringComparison.OrdinalIgnoreCase))
            return await AuthorizeScalerAsync(context);
        return await AuthorizeAdminAsync(context);
    }

    /// <summary>
    /// The Scaler's decisions and state: admins see every environment; anyone else names a namespace
    /// (<c>namespace=</c>, which the Scaler then filters by) and must be one of its members. Environments belong to
    /// namespaces, so a namespace's readers read its environments' scaling.
    /// </summary>
    private static async Task<bool> AuthorizeScalerAsync(HttpContext context)
    {
        var caller = context.GetCaller();
        if (!caller.IsAuthenticated)
        {
            await Challenge(context, null).ExecuteAsync(context);
            return false;
        }
        var ns = context.Request.Query["namespace"].ToString();
        var (isAdmin, role, _) = ns.Length > 0
            ? await context.RequestServices.GetRequiredService<IdentityStore>().StandingAsync(caller.Name, ns, context.RequestAborted)
            : ((await context.RequestServices.GetRequiredService<IdentityDirectory>().FindAccountAsync(caller.Name!, context.RequestAborted))?.IsAdmin == true, null, false);
        if (isAdmin || role is not null)
            return true;
        context.RequestServices.GetRequiredService<AccessAudit>().Denied(context, null, "scaler:read");
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden,
            title: ns.Length > 0 ? "the namespace's scaling is for its members" : "name a namespace you are a member of (namespace=), or be an admin")
            .ExecuteAsync(context);
        return false;
    }

    /// <summary>The namespace of "/namespaces/{ns}/retention", or null for any other platform API path.</summary>
    internal static string? RetentionNamespaceOf(string rest)
    {
        var parts = rest.Trim('/').Split('/');
        return parts is ["namespaces", { Length: > 0 } ns, "retention"] ? ns : null;
    }

    /// <summary>The namespace of "/namespaces/{ns}/webhooks[/...]", or null for any other platform API path.</summary>
    internal static string? WebhookNamespaceOf(string rest)
    {
        var parts = rest.Trim('/').Split('/');
        return parts is ["namespaces", { Length: > 0 } ns, "webhooks", ..] ? ns : null;
    }

    /// <summary>
    /// A namespace's webhooks, reading them included (they name where its events go): its owners and maintainers,
    /// and admins. The account decides, as for retention.
    /// </summary>
    private static async Task<bool> AuthorizeWebhooksAsync(HttpContext context, string ns)
    {
        var caller = context.GetCaller();
        if (!caller.IsAuthenticated)
        {
            await Challenge(context, null).ExecuteAsync(context);
            return false;
        }
        var (isAdmin, role, _) = await context.RequestServices.GetRequiredService<IdentityStore>().StandingAsync(caller.Name, ns, context.RequestAborted);
        if (isAdmin || role is Role.Owner or Role.Maintainer)
            return true;
        context.RequestServices.GetRequiredService<AccessAudit>().Denied(context, null, "webhooks");
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "a namespace's webhooks are managed by its owners and maintainers")
            .ExecuteAsync(context);
        return false;
    }

    /// <summary>
    /// A namespace's retention rules: reading them is for its members (any role), changing them (what they delete
    /// is the namespace's content) for its owners and maintainers, who may delete by hand too; admins always. Other
    /// methods are for admins, like any route without a rule. The account decides, whatever scope a bearer token
    /// names: repository scopes say nothing about a namespace's settings, as for the identity API.
    /// </summary>
    private static async Task<bool> AuthorizeRetentionAsync(HttpContext context, string ns)
    {
        var method = context.Request.Method;
        var read = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        if (!read && !HttpMethods.IsPut(method))
            return await AuthorizeAdminAsync(context);
        var caller = context.GetCaller();
        if (!caller.IsAuthenticated)
        {
            await Challenge(context, null).ExecuteAsync(context);
            return false;
        }
        var (isAdmin, role, _) = await context.RequestServices.GetRequiredService<IdentityStore>().StandingAsync(caller.Name, ns, context.RequestAborted);
        if (isAdmin || (read ? role is not null : role is Role.Owner or Role.Maintainer))
            return true;
        context.RequestServices.GetRequiredService<AccessAudit>().Denied(context, null, read ? "retention:read" : "retention:write");
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden,
            title: read ? "the namespace's retention rules are for its members" : "the namespace's retention rules are changed by its owners and maintainers")
            .ExecuteAsync(context);
        return false;
    }

    /// <summary>
    /// The repository a platform API path is about: "{name}", "{name}/blobs/{digest}", "{name}/tags/{tag}[/history]",
    /// split as the repository API splits it (<see cref="RepositoryApiPath"/>).
    /// </summary>
    internal static string RepositoryOf(string path) => RepositoryApiPath.Parse(path).Name;

    /// <summary>Pull on <paramref name="repository"/> for a platform API read, by the /v2 rules.</summary>
    private static async Task<bool> AuthorizePullAsync(HttpContext context, string repository)
    {
        var caller = context.GetCaller();
        if (caller.Allows(AccessEntry.Repository, repository, Actions.Pull))
            return true;
        var directory = context.RequestServices.GetRequiredService<IdentityDirectory>();
        var allowed = await directory.AllowedActionsAsync(caller.Name, repository, context.RequestAborted);
        var mayPull = allowed.Contains(Actions.Pull);
        // Basic credentials are the account itself; no credentials at all may read public namespaces.
        if (mayPull && caller.Presented is Credentials.Password or Credentials.None)
            return true;
        if (mayPull || !caller.IsAuthenticated)
        {
            // A token without the grant (ask /token for the scope), or nobody at all.
            await Challenge(context, Scope(repository, Actions.Pull), caller.Token is null ? null : "insufficient_scope").ExecuteAsync(context);
            return false;
        }
        context.RequestServices.GetRequiredService<AccessAudit>().Denied(context, repository, Actions.Pull);
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "requested access to the resource is denied").ExecuteAsync(context);
        return false;
    }

    private static async Task<bool> AuthorizeOciAsync(HttpContext context, string rest)
    {
        var caller = context.GetCaller();
        if (caller.Presented == Credentials.Invalid)
        {
            await Challenge(context, null, "invalid_token").ExecuteAsync(context);
            return false;
        }
        // A password is not how /v2 is entered (and a wrong one must never pass for anonymous): to the realm.
        if (caller.Presented == Credentials.NotAToken)
        {
            await Challenge(context, null).ExecuteAsync(context);
            return false;
        }
        var sub = rest.TrimStart('/');
        // GET /v2/: a client checks whether it must log in; any valid token (even an anonymous one) will do.
        if (sub.Length == 0)
        {
            if (caller.Token is not null)
                return true;
            await Challenge(context, null).ExecuteAsync(context);
            return false;
        }
        // The catalog is answered by the gateway, filtered to what the caller may pull.
        if (!OciRoute.TryParse(sub, out var route) || route.Kind == OciRouteKind.Catalog)
            return true;

        var action = RolePolicy.RequiredAction(context.Request.Method);
        var directory = context.RequestServices.GetRequiredService<IdentityDirectory>();
        if (!caller.Allows(AccessEntry.Repository, route.Name, action))
        {
            var allowed = await directory.AllowedActionsAsync(caller.Name, route.Name, context.RequestAborted);
            var grantable = allowed.Contains(action) || allowed.Contains(Actions.All);
            // Anonymous pull of a public namespace does not need a token at all.
            if (grantable && action == Actions.Pull && caller.Token is null)
                return true;
            if (grantable || !caller.IsAuthenticated)
            {
                await Challenge(context, Scope(route.Name, action), caller.Token is null ? null : "insufficient_scope").ExecuteAsync(context);
                return false;
            }
            context.RequestServices.GetRequiredService<AccessAudit>().Denied(context, route.Name, action);
            await OciResults.Error(OciErrorCode.Denied, "requested access to the resource is denied",
                new { name = route.Name, action }).ExecuteAsync(context);
            return false;
        }

        if (route.Kind == OciRouteKind.UploadStart)
            await MountSources.AuthorizeAsync(context, caller, directory);

        if (route.Kind == OciRouteKind.Manifest && HttpMethods.IsGet(context.Request.Method))
        {
            var audit = context.RequestServices.GetRequiredService<AccessAudit>();
            context.Response.OnCompleted(() =>
            {
                if (context.Response.StatusCode == StatusCodes.Status200OK)
                    audit.ManifestPulled(context, route.Name, route.Reference, context.Response.Headers["Docker-Content-Digest"].ToString() is { Length: > 0 } d ? d : null);
                return Task.CompletedTask;
            });
        }
        return true;
    }

    private static async Task<bool> AuthorizeAdminAsync(HttpContext context)
    {
        var caller = context.GetCaller();
        if (!caller.IsAuthenticated)
        {
            await Challenge(context, null).ExecuteAsync(context);
            return false;
        }
        var account = await context.RequestServices.GetRequiredService<IdentityDirectory>().FindAccountAsync(caller.Name!, context.RequestAborted);
        if (account?.IsAdmin == true)
            return true;
        context.RequestServices.GetRequiredService<AccessAudit>().Denied(context, null, "admin");
        await Results.Problem(statusCode: 403, title: "admin only").ExecuteAsync(context);
        return false;
    }

    private static string Scope(string name, string action) => action switch
    {
        Actions.Pull => $"repository:{name}:pull",
        Actions.Push => $"repository:{name}:pull,push",
        _ => $"repository:{name}:{action}",
    };

    /// <summary>
    /// 401 with the spec's challenge: where to get a token (realm), for which service, and the scope needed. On the
    /// platform API a Basic challenge goes with it, since passwords, robot secrets and personal access tokens work
    /// there directly.
    /// </summary>
    public static IResult Challenge(HttpContext context, string? scope, string? error = null)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        var realm = options.Realm is { Length: > 0 } r ? r : $"{context.Request.Scheme}://{context.Request.Host}/token";
        var challenge = $"Bearer realm=\"{realm}\",service=\"{options.Service}\"";
        if (scope is not null)
            challenge += $",scope=\"{scope}\"";
        if (error is not null)
            challenge += $",error=\"{error}\"";
        var registry = context.Request.Path.StartsWithSegments("/v2");
        context.Response.Headers.WWWAuthenticate = registry ? challenge : new StringValues([challenge, TokenIssuer.BasicChallenge(context)]);
        return registry
            ? OciResults.Error(OciErrorCode.Unauthorized, "authentication required",
                scope is null ? null : new[] { new { Type = "repository", Name = scope.Split(':')[1], Action = scope.Split(':')[2] } })
            : Results.Problem(statusCode: 401, title: "authentication required");
    }
}
