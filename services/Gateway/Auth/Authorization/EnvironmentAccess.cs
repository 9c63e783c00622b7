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
/// and maintainers, admins always. Votes on a release pass for any signed-in caller: only Deploy knows the
/// approvers the file names, and it refuses everyone else (403). Deploy tells the gateway an environment's
/// namespace (<c>POST /internal/environments/{env}/namespace</c>, with the file for a PUT: the namespace of an
/// environment that does not exist yet is the file's). Nobody signed in: 401.
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

    public static async Task<bool> AuthorizeAsync(HttpContext context, string environment)
    {
        var caller = context.GetCaller();
        if (!caller.IsAuthenticated)
        {
            await RegistryGuard.Challenge(context, null).ExecuteAsync(context);
            return false;
        }
        if (IsVote(context))
            return true;
        var method = context.Request.Method;
        var read = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        var write = HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);
        var identity = context.RequestServices.GetRequiredService<IdentityStore>();
        if (!read && !write)
        {
            var (admin, _, _) = await identity.StandingAsync(caller.Name, "", context.RequestAborted);
            return admin || await Deny(context, "environments:admin", "only admins may do this");
        }

        var (status, ns) = await NamespaceAsync(context, environment);
        if (status == HttpStatusCode.ServiceUnavailable)
        {
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Deploy is unavailable").ExecuteAsync(context);
            return false;
        }
        if (ns is null)
        {
            // No such environment (or a file Deploy cannot read): only admins hear Deploy's own answer; others
            // learn nothing about which environments exist.
            var (admin, _, _) = await identity.StandingAsync(caller.Name, "", context.RequestAborted);
            if (admin || HttpMethods.IsPut(method)) return true;
            await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"environment {environment} does not exist").ExecuteAsync(context);
            return false;
        }
        var (isAdmin, role, _) = await identity.StandingAsync(caller.Name, ns, context.RequestAborted);
        if (isAdmin || (read ? role is not null : role is Role.Owner or Role.Maintainer))
            return true;
        return await Deny(context, read ? "environments:read" : "environments:write",
            read ? "the environment is for its namespace's members" : "environments are applied and deleted by their namespace's owners and maintainers");
    }

    private static async Task<bool> Deny(HttpContext context, string action, string title)
    {
        context.RequestServices.GetRequiredService<AccessAudit>().Denied(context, null, action);
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: title).ExecuteAsync(context);
        return false;
    }

    private sealed record NamespaceAnswer(string Namespace);

    private static async Task<(HttpStatusCode, string?)> NamespaceAsync(HttpContext context, string environment)
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
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<NamespaceAnswer>(context.RequestAborted))?.Namespace);
        }
        catch (HttpRequestException)
        {
            return (HttpStatusCode.ServiceUnavailable, null);
        }
    }
}
