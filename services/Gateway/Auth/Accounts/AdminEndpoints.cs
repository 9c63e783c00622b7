using System.Text.RegularExpressions;
using Platform.Gateway.Auth.Auditing;
using Platform.Gateway.Auth.Authorization;
using Platform.Gateway.Auth.Tokens;

namespace Platform.Gateway.Auth.Accounts;

/// <summary>
/// The identity API under /api/v1 (problem+json errors). Callers authenticate with a bearer token from /token or
/// HTTP Basic (password or personal access token). Admins manage users, robots, namespaces, memberships and
/// signing keys; every user manages his own personal access tokens.
/// </summary>
internal static partial class AdminEndpoints
{
    private const string AccountKey = "platform.account";

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9._-]{0,62})$")]
    private static partial Regex AccountName();

    // An OCI repository path component: what a namespace must be to be the first segment of repository names.
    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")]
    private static partial Regex NamespaceName();

    public sealed record CreateUser(string? Name, string? Password, bool Admin = false);
    public sealed record SetPassword(string? Password);
    public sealed record CreateRobot(string? Name);
    public sealed record CreateNamespace(string? Name, bool Public = false);
    public sealed record SetMembership(string? Role);
    public sealed record CreateToken(string? Name, int? ExpiresInDays);

    public static IEndpointRouteBuilder MapIdentityApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").AddEndpointFilter(Authenticate);
        var admin = api.MapGroup("").AddEndpointFilter(RequireAdmin);

        admin.MapGet("/users", async (IdentityStore s, CancellationToken ct) =>
            (await s.AccountsAsync(AccountKind.User, ct))
                .Select(a => new { name = a.Id, admin = a.IsAdmin, createdAt = a.CreatedAt }));
        admin.MapPost("/users", async (CreateUser body, IdentityStore s, CancellationToken ct) =>
        {
            if (body.Name is null || !AccountName().IsMatch(body.Name))
                return Invalid("name", "lower-case letters, digits, '.', '_' and '-', at most 63 characters, starting with a letter or digit");
            if (!GoodPassword(body.Password))
                return Invalid("password", "at least 8 characters");
            var user = new Account { Id = body.Name, Kind = AccountKind.User, IsAdmin = body.Admin, SecretHash = IdentityDirectory.Hash(body.Password!), CreatedAt = DateTimeOffset.UtcNow };
            if (!await s.TryAddAccountAsync(user, ct))
                return Results.Problem(statusCode: 409, title: $"account {body.Name} exists");
            return Results.Created($"/api/v1/users/{body.Name}", new { name = body.Name, admin = body.Admin });
        });
        admin.MapDelete("/users/{name}", (string name, HttpContext http, IdentityStore s, CancellationToken ct) => DeleteAccountAsync(name, AccountKind.User, http, s, ct));
        admin.MapPut("/users/{name}/password", async (string name, SetPassword body, IdentityStore s, CancellationToken ct) =>
        {
            if (!GoodPassword(body.Password))
                return Invalid("password", "at least 8 characters");
            return await s.SetSecretAsync(name, AccountKind.User, IdentityDirectory.Hash(body.Password!), ct)
                ? Results.NoContent()
                : Results.Problem(statusCode: 404, title: $"no user {name}");
        });

        admin.MapGet("/robots", async (IdentityStore s, CancellationToken ct) =>
            (await s.AccountsAsync(AccountKind.Robot, ct))
                .Select(a => new { name = a.Id, createdAt = a.CreatedAt }));
        admin.MapPost("/robots", async (CreateRobot body, IdentityStore s, CancellationToken ct) =>
        {
            var shortName = body.Name?.StartsWith(Account.RobotPrefix, StringComparison.Ordinal) == true ? body.Name[Account.RobotPrefix.Length..] : body.Name;
            if (shortName is null || !AccountName().IsMatch(shortName))
                return Invalid("name", "lower-case letters, digits, '.', '_' and '-', at most 63 characters");
            var name = Account.RobotPrefix + shortName;
            var secret = IdentityDirectory.NewSecret();
            var robot = new Account { Id = name, Kind = AccountKind.Robot, SecretHash = IdentityDirectory.Hash(secret), CreatedAt = DateTimeOffset.UtcNow };
            if (!await s.TryAddAccountAsync(robot, ct))
                return Results.Problem(statusCode: 409, title: $"account {name} exists");
            // The secret is shown once: only its hash is kept.
            return Results.Created($"/api/v1/robots/{name}", new { name, secret });
        });
        admin.MapDelete("/robots/{name}", (string name, HttpContext http, IdentityStore s, CancellationToken ct) =>
            DeleteAccountAsync(name.StartsWith(Account.RobotPrefix, StringComparison.Ordinal) ? name : Account.RobotPrefix + name, AccountKind.Robot, http, s, ct));

        admin.MapGet("/namespaces", async (IdentityStore s, CancellationToken ct) =>
            (await s.NamespacesAsync(ct)).Select(n => new { name = n.Id, @public = n.Public, createdAt = n.CreatedAt }));
        admin.MapPost("/namespaces", async (CreateNamespace body, IdentityStore s, CancellationToken ct) =>
        {
            if (body.Name is null || body.Name.Length > 255 || !NamespaceName().IsMatch(body.Name))
                return Invalid("name", "an OCI repository path component: [a-z0-9]+ separated by '.', '_', '__' or dashes");
            if (!await s.TryAddNamespaceAsync(new RegistryNamespace { Id = body.Name, Public = body.Public, CreatedAt = DateTimeOffset.UtcNow }, ct))
                return Results.Problem(statusCode: 409, title: $"namespace {body.Name} exists");
            return Results.Created($"/api/v1/namespaces/{body.Name}", new { name = body.Name, @public = body.Public });
        });
        admin.MapGet("/namespaces/{ns}/members", async (string ns, IdentityStore s, CancellationToken ct) =>
            (await s.MembersAsync(ns, ct))
                .Select(m => new { account = m.Account, role = m.Role.ToString().ToLowerInvariant() }));
        admin.MapPut("/namespaces/{ns}/members/{account}", async (string ns, string account, SetMembership body, IdentityStore s, CancellationToken ct) =>
        {
            if (!RolePolicy.TryParseRole(body.Role, out var role))
                return Invalid("role", "owner, maintainer, developer or reader");
            if (!await s.SetMembershipAsync(ns, account, role, ct))
                return await s.NamespaceExistsAsync(ns, ct)
                    ? Results.Problem(statusCode: 404, title: $"no account {account}")
                    : Results.Problem(statusCode: 404, title: $"no namespace {ns}");
            return Results.Ok(new { @namespace = ns, account, role = role.ToString().ToLowerInvariant() });
        });
        admin.MapDelete("/namespaces/{ns}/members/{account}", async (string ns, string account, IdentityStore s, CancellationToken ct) =>
            await s.RemoveMembershipAsync(ns, account, ct)
                ? Results.NoContent()
                : Results.Problem(statusCode: 404, title: $"{account} is no member of {ns}"));

        admin.MapGet("/admin/keys", (SigningKeys keys) =>
            keys.All.Select(k => new { kid = k.Kid, createdAt = k.CreatedUtc, current = k.Kid == keys.Current.Kid }));
        admin.MapPost("/admin/keys/rotate", (SigningKeys keys) => Results.Ok(new { kid = keys.Rotate().Kid }));
        admin.MapDelete("/admin/keys/{kid}", (string kid, SigningKeys keys) =>
            keys.Remove(kid) ? Results.NoContent() : Results.Problem(statusCode: 409, title: "unknown key, or the current signing key (rotate first)"));

        // Personal access tokens: every user manages his own.
        api.MapGet("/tokens", async (HttpContext http, IdentityStore s, CancellationToken ct) =>
        {
            var me = Me(http);
            return (await s.TokensOfAsync(me.Id, ct))
                .Select(p => new { id = p.Id, name = p.Name, createdAt = p.CreatedAt, expiresAt = p.ExpiresAt, revokedAt = p.RevokedAt });
        });
        api.MapPost("/tokens", async (CreateToken body, HttpContext http, IdentityDirectory directory, CancellationToken ct) =>
        {
            var me = Me(http);
            if (me.Kind != AccountKind.User)
                return Results.Problem(statusCode: 403, title: "robots have no personal access tokens");
            if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 100)
                return Invalid("name", "1 to 100 characters");
            if (body.ExpiresInDays is <= 0)
                return Invalid("expiresInDays", "a positive number of days");
            var (pat, secret) = await directory.CreatePatAsync(me.Id, body.Name, body.ExpiresInDays is { } d ? DateTimeOffset.UtcNow.AddDays(d) : null, ct);
            return Results.Created($"/api/v1/tokens/{pat.Id}", new { id = pat.Id, name = pat.Name, token = secret, expiresAt = pat.ExpiresAt });
        });
        api.MapDelete("/tokens/{id}", async (string id, HttpContext http, IdentityDirectory directory, CancellationToken ct) =>
            await directory.RevokePatAsync(Me(http).Id, id, ct) ? Results.NoContent() : Results.Problem(statusCode: 404, title: $"no token {id}"));
        return app;
    }

    private static Account Me(HttpContext http) => (Account)http.Items[AccountKey]!;

    private static bool GoodPassword(string? password) => password is { Length: >= 8 and <= 1024 };

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    private static async Task<IResult> DeleteAccountAsync(string name, AccountKind kind, HttpContext http, IdentityStore s, CancellationToken ct)
    {
        if (name == Me(http).Id)
            return Results.Problem(statusCode: 409, title: "you cannot delete yourself");
        // Its memberships and personal access tokens go with it.
        return await s.DeleteAccountAsync(name, kind, ct)
            ? Results.NoContent()
            : Results.Problem(statusCode: 404, title: $"no {kind.ToString().ToLowerInvariant()} {name}");
    }

    // The caller was authenticated before routing (a bearer token, or Basic credentials through the login
    // throttle, see CallerAuthentication); here it only has to be an account that still exists.
    private static async ValueTask<object?> Authenticate(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = http.GetCaller();
        var account = caller.IsAuthenticated
            ? await http.RequestServices.GetRequiredService<IdentityDirectory>().FindAccountAsync(caller.Name!, http.RequestAborted)
            : null;
        if (account is null)
            return RegistryGuard.Challenge(http, null);
        http.Items[AccountKey] = account;
        return await next(context);
    }

    private static async ValueTask<object?> RequireAdmin(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (Me(context.HttpContext).IsAdmin)
            return await next(context);
        context.HttpContext.RequestServices.GetRequiredService<AccessAudit>().Denied(context.HttpContext, null, "admin");
        return Results.Problem(statusCode: 403, title: "admin only");
    }
}
