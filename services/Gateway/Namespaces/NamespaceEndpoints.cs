using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Auditing;

namespace Platform.Gateway.Namespaces;

/// <summary>
/// /api/v1/namespaces: the gateway's own routes (the identity API's caller checks, problem+json errors), with the
/// rules each states here, not in <see cref="Auth.Authorization.RegistryGuard"/>:
/// <list type="bullet">
/// <item><c>GET /namespaces</c>, <c>POST /namespaces</c>: admins.</item>
/// <item><c>GET /namespaces/{ns}</c> (settings and usage): members of the namespace (any role) and admins.</item>
/// <item><c>PATCH /namespaces/{ns}</c> (any of <c>public</c>, <c>ipfs</c>, <c>quotaBytes</c>): owners and admins.</item>
/// </list>
/// Anyone else who is logged in gets 403 whether the namespace exists or not (a name is not confirmed to a
/// stranger); admins get 404 for one that does not. Every create and update is published to the platform
/// (<see cref="NamespaceSettingsPublisher"/>).
/// </summary>
internal static partial class NamespaceEndpoints
{
    // An OCI repository path component: what a namespace must be to be the first segment of repository names.
    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")]
    private static partial Regex NamespaceName();

    public static void MapNamespaceApi(RouteGroupBuilder api, RouteGroupBuilder admin)
    {
        admin.MapGet("/namespaces", async (IdentityStore s, CancellationToken ct) => (await s.NamespacesAsync(ct)).Select(View));

        admin.MapPost("/namespaces", async (HttpContext http, IdentityStore s, NamespaceSettingsPublisher publisher, CancellationToken ct) =>
        {
            if (await ReadObjectAsync(http, ct) is not { } body)
                return Invalid("body", 400, "a JSON object");
            var name = body["name"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            if (name is null || name.Length > 255 || !NamespaceName().IsMatch(name))
                return Invalid("name", 400, "an OCI repository path component: [a-z0-9]+ separated by '.', '_', '__' or dashes");
            if (!NamespaceChange.TryParse(body, out var change, out var error))
                return Invalid(error.Field, error.Status, error.Message);
            var created = await s.TryAddNamespaceAsync(new RegistryNamespace
            {
                Id = name,
                Public = change.Public ?? false,
                IpfsMode = change.IpfsMode.Value,
                QuotaBytes = change.QuotaBytes.Value,
                CreatedAt = Now(),
            }, ct);
            if (created is null)
                return Results.Problem(statusCode: 409, title: $"namespace {name} exists");
            publisher.Changed(created, http);
            return Results.Created($"/api/v1/namespaces/{name}", View(created));
        });

        api.MapGet("/namespaces/{ns}", async (string ns, HttpContext http, IdentityStore s, NamespaceUsageClient usage, CancellationToken ct) =>
        {
            if (await RefusedAsync(http, s, ns, Role.Reader, ct) is { } refused)
                return refused;
            var found = await s.FindNamespaceAsync(ns, ct);
            if (found is null)
                return Results.Problem(statusCode: 404, title: $"no namespace {ns}");
            if (await usage.UsageAsync(http, ns, null, ct) is not { } used)
            {
                http.Response.Headers.RetryAfter = "5";
                return Results.Problem(statusCode: 503, title: "the namespace's usage is not available; retry shortly");
            }
            return Results.Json(new NamespaceDetails(found.Id, found.Public, found.IpfsMode, EffectiveIpfs(found), found.QuotaBytes,
                found.CreatedAt, new UsageView(used.Bytes, used.Blobs)));
        });

        api.MapPatch("/namespaces/{ns}", async (string ns, HttpContext http, IdentityStore s, NamespaceSettingsPublisher publisher, CancellationToken ct) =>
        {
            if (await RefusedAsync(http, s, ns, Role.Owner, ct) is { } refused)
                return refused;
            if (await ReadObjectAsync(http, ct) is not { } body)
                return Invalid("body", 400, "a JSON object");
            if (body.Select(p => p.Key).FirstOrDefault(k => k is not ("public" or "ipfs" or "quotaBytes")) is { } unknown)
                return Invalid(unknown, 400, "not a setting: public, ipfs and quotaBytes may be changed");
            if (!NamespaceChange.TryParse(body, out var change, out var error))
                return Invalid(error.Field, error.Status, error.Message);
            var updated = await s.UpdateNamespaceAsync(ns, change, Now(), ct);
            if (updated is null)
                return Results.Problem(statusCode: 404, title: $"no namespace {ns}");
            publisher.Changed(updated, http);
            return Results.Ok(View(updated));
        });
    }

    /// <summary>The refusal for a caller below <paramref name="least"/> in <paramref name="ns"/> (admins pass); null: go on.</summary>
    private static async Task<IResult?> RefusedAsync(HttpContext http, IdentityStore s, string ns, Role least, CancellationToken ct)
    {
        var (isAdmin, role, _) = await s.StandingAsync(AdminEndpoints.Me(http).Id, ns, ct);
        if (isAdmin || role >= least)
            return null;
        http.RequestServices.GetRequiredService<AccessAudit>().Denied(http, null, least == Role.Owner ? "namespace:update" : "namespace:read");
        return Results.Problem(statusCode: 403, title: least == Role.Owner
            ? "only the namespace's owners and admins may change its settings"
            : "only the namespace's members and admins may read its settings");
    }

    private static async Task<JsonObject?> ReadObjectAsync(HttpContext http, CancellationToken ct)
    {
        try
        {
            return await JsonNode.ParseAsync(http.Request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Microseconds: what PostgreSQL keeps, so the settings timestamp reads back as it was sent.
    private static DateTimeOffset Now()
    {
        var ticks = DateTimeOffset.UtcNow.UtcTicks;
        return new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
    }

    /// <summary>The mode Pinning applies (the same rule as its own): the setting, else by visibility.</summary>
    internal static string EffectiveIpfs(RegistryNamespace n) => n.IpfsMode ?? (n.Public ? "public" : "encrypted");

    private static NamespaceView View(RegistryNamespace n) =>
        new(n.Id, n.Public, n.IpfsMode, EffectiveIpfs(n), n.QuotaBytes, n.CreatedAt);

    private static IResult Invalid(string field, int status, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, statusCode: status,
            title: $"invalid {field}");
}

// The answers' shapes (camelCase by the minimal-API defaults). ipfs is the setting (null: the default),
// ipfsEffective what it means now.
internal sealed record NamespaceView(string Name, bool Public, string? Ipfs, string IpfsEffective, long? QuotaBytes, DateTimeOffset CreatedAt);

internal sealed record NamespaceDetails(string Name, bool Public, string? Ipfs, string IpfsEffective, long? QuotaBytes,
    DateTimeOffset CreatedAt, UsageView Usage);

internal sealed record UsageView(long Bytes, int Blobs);
