using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Auditing;
using Platform.Gateway.Routing;

namespace Platform.Gateway.Auth.Authorization;

/// <summary>
/// /api/v1/environments (Deploy's): an environment belongs to the namespace its file names. Reading it (the
/// environment, its services, its releases) is for the namespace's members, applying and deleting for its owners
/// and maintainers, voting on its releases for its members and the approvers its file names (who may read it too, to
/// see what they approve; Deploy then counts only the approvers' votes), admins always. Deploy tells the gateway an
/// environment's namespace and approvers (<c>POST /internal/environments/{env}/namespace</c>, with the file for a PUT:
/// the namespace of an environment that does not exist yet is the file's). As with repositories, a caller who may not
/// see an environment gets the same 403 whether it exists or not (only admins hear Deploy's 404); a PUT of a file that
/// names no namespace goes on to Deploy, which says what is wrong with it. Nobody signed in: 401.
/// </summary>
internal static class EnvironmentAccess
{
    public const string ClientName = "environment-access";
    private const int MaxFileBytes = 256 * 1024;

    /// <summary>The environment of "/environments/{env}[/...]", or null for any other platform API path.</summary>
    public static string? EnvironmentOf(string rest)
    {
        var parts = rest.Trim('/').Split('/');
        return parts is ["environments", { Length: > 0 } env, ..] ? env : null;
    }

    private static bool IsVote(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Value?.TrimEnd('/').EndsWith("/approvals", StringComparison.Ordinal) == true;

    private enum Access { Read, Write, Vote, Other }

    private static Access AccessOf(HttpContext context)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) return Access.Read;
        if (HttpMethods.IsPut(method) || HttpMethods.IsDelete(method)) return Access.Write;
        return IsVote(context) ? Access.Vote : Access.Other;
    }

    public static async Task<bool> AuthorizeAsync(HttpContext context, string environment)
    {
        var caller = context.GetCaller();
        if (!caller.IsAuthenticated)
        {
            await RegistryGuard.Challenge(context, null).ExecuteAsync(context);
            return false;
        }
        var access = AccessOf(context);
        var identity = context.RequestServices.GetRequiredService<IdentityStore>();
        if (access == Access.Other)
        {
            var (admin, _, _) = await identity.StandingAsync(caller.Name, "", context.RequestAborted);
            return admin || await Deny(context, "environments:admin", "only admins may do this");
        }

        var (status, answer) = await NamespaceAsync(context, environment);
        if (status == HttpStatusCode.ServiceUnavailable)
        {
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Deploy is unavailable").ExecuteAsync(context);
            return false;
        }
        var (isAdmin, role, _) = await identity.StandingAsync(caller.Name, answer?.Namespace ?? "", context.RequestAborted);
        if (isAdmin)
            return true;
        if (answer is null)
            // No such environment (or a file Deploy cannot read): a PUT learns from Deploy what is wrong with the file;
            // anything else gets the refusal a stranger gets for an environment that exists.
            return HttpMethods.IsPut(context.Request.Method) || await Refuse(context, access);
        var approver = answer.Approvers?.Contains(caller.Name, StringComparer.Ordinal) == true;
        var allowed = access switch
        {
            Access.Read or Access.Vote => role is not null || approver,
            _ => role is Role.Owner or Role.Maintainer,
        };
        if (allowed)
            return true;
        // The same refusal as for a missing environment: it tells a stranger nothing about which environments exist.
        return await Refuse(context, access);
    }

    private static Task<bool> Refuse(HttpContext context, Access access) => access switch
    {
        Access.Write => Deny(context, "environments:write", "environments are applied and deleted by their namespace's owners and maintainers"),
        Access.Vote => Deny(context, "environments:vote", "the environment's releases are voted on by its namespace's members and approvers"),
        _ => Deny(context, "environments:read", "the environment is for its namespace's members"),
    };

    private static async Task<bool> Deny(HttpContext context, string action, string title)
    {
        context.RequestServices.GetRequiredService<AccessAudit>().Denied(context, null, action);
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: title).ExecuteAsync(context);
        return false;
    }

    private sealed record NamespaceAnswer(string Namespace, IReadOnlyList<string>? Approvers);

    private static async Task<(HttpStatusCode, NamespaceAnswer?)> NamespaceAsync(HttpContext context, string environment)
    {
        var backends = context.RequestServices.GetRequiredService<IOptions<BackendOptions>>().Value;
        var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post,
            new Uri(new Uri(backends.Routed["deploy"]), $"/internal/environments/{Uri.EscapeDataString(environment)}/namespace"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (HttpMethods.IsPut(context.Request.Method))
        {
            // The file is small (Deploy refuses more than this): buffered, so it can go on to Deploy afterwards.
            context.Request.EnableBuffering(MaxFileBytes + 1);
            var buffer = new byte[MaxFileBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
                length += read;
            context.Request.Body.Position = 0;
            request.Content = new ByteArrayContent(buffer, 0, length);
        }
        try
        {
            using var response = await client.SendAsync(request, context.RequestAborted);
            if (!response.IsSuccessStatusCode) return (response.StatusCode, null);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<NamespaceAnswer>(context.RequestAborted));
        }
        catch (HttpRequestException)
        {
            return (HttpStatusCode.ServiceUnavailable, null);
        }
    }
}
