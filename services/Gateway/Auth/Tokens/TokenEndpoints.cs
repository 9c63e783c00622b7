using System.Globalization;
using Microsoft.Extensions.Options;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Auditing;
using Platform.Gateway.Auth.Authorization;
using Platform.Gateway.Auth.Limits;
using Platform.Registry.Oci;

namespace Platform.Gateway.Auth.Tokens;

/// <summary>
/// The token server of the Docker token authentication spec at /token: GET with HTTP Basic credentials (or none:
/// an anonymous token) and the OAuth2 form POST (grant_type password or refresh_token). The token grants the
/// requested actions the account is allowed; the others are left out.
/// </summary>
internal static class TokenEndpoints
{
    public static IEndpointRouteBuilder MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/token", GetAsync);
        app.MapPost("/token", PostAsync).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext http, TokenIssuer issuer, CancellationToken ct)
    {
        var q = http.Request.Query;
        if (!issuer.IsOurService(q["service"]))
            return Results.Json(new { error = "invalid_request", error_description = "unknown service" }, statusCode: 400);
        var scopes = ScopeParser.Parse(q["scope"]);
        var offline = string.Equals(q["offline_token"], "true", StringComparison.OrdinalIgnoreCase);

        if (!http.Request.TryGetBasicCredentials(out var username, out var password))
        {
            // No credentials: an anonymous token. Credentials that cannot even be read are not "none".
            if (http.Request.Headers.Authorization.Count > 0)
            {
                http.Response.Headers.WWWAuthenticate = TokenIssuer.BasicChallenge(http);
                return OciResults.Error(OciErrorCode.Unauthorized, "authentication required: unreadable credentials");
            }
            return await issuer.RespondAsync(http, null, scopes, offline: false, refreshToken: null, ct);
        }

        var login = await issuer.LoginAsync(http, username, password, ct);
        return login.Account is null ? LoginRefused(http, login) : await issuer.RespondAsync(http, login.Account, scopes, offline, refreshToken: null, ct);
    }

    private static async Task<IResult> PostAsync(HttpContext http, TokenIssuer issuer, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
            return OAuthError("invalid_request", "expected application/x-www-form-urlencoded");
        var form = await http.Request.ReadFormAsync(ct);
        if (!issuer.IsOurService(form["service"]))
            return OAuthError("invalid_request", "unknown service");
        var scopes = ScopeParser.Parse(form["scope"]);
        var offline = string.Equals(form["access_type"], "offline", StringComparison.OrdinalIgnoreCase);

        switch (form["grant_type"].ToString())
        {
            case "password":
                var username = form["username"].ToString();
                var password = form["password"].ToString();
                if (username.Length == 0 || password.Length == 0)
                    return OAuthError("invalid_request", "username and password are required");
                var login = await issuer.LoginAsync(http, username, password, ct);
                return login.Account is null ? LoginRefused(http, login) : await issuer.RespondAsync(http, login.Account, scopes, offline, refreshToken: null, ct);

            case "refresh_token":
                var refresh = form["refresh_token"].ToString();
                var account = await issuer.RefreshAsync(http, refresh, ct);
                return account is null
                    ? Results.Json(new { error = "invalid_grant", error_description = "the refresh token is invalid or revoked" }, statusCode: 401)
                    : await issuer.RespondAsync(http, account, scopes, offline: false, refreshToken: refresh, ct);

            default:
                return OAuthError("unsupported_grant_type", "grant_type must be password or refresh_token");
        }
    }

    private static IResult OAuthError(string error, string description) =>
        Results.Json(new { error, error_description = description }, statusCode: 400);

    /// <summary>The token server's refusal in the OCI error format the registry clients read.</summary>
    private static IResult LoginRefused(HttpContext http, TokenIssuer.Login login)
    {
        if (login.RetryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = TokenIssuer.RetryAfterSeconds(wait);
            return OciResults.Error(OciErrorCode.TooManyRequests, "too many failed logins; retry later");
        }
        http.Response.Headers.WWWAuthenticate = TokenIssuer.BasicChallenge(http);
        return OciResults.Error(OciErrorCode.Unauthorized, "authentication required: wrong username or password");
    }
}

/// <summary>
/// Checks logins (at /token and for Basic credentials on the platform API) through the login throttle, with a
/// failure audited, and mints the tokens.
/// </summary>
internal sealed class TokenIssuer(
    IdentityDirectory directory, TokenService tokens, LoginThrottle throttle, AccessAudit audit, IOptions<AuthOptions> options)
{
    /// <summary>A login's outcome: the account, or nothing with how long the caller must wait (throttled) or not (wrong).</summary>
    public sealed record Login(AuthenticatedAccount? Account, TimeSpan? RetryAfter);

    public bool IsOurService(Microsoft.Extensions.Primitives.StringValues service) =>
        Microsoft.Extensions.Primitives.StringValues.IsNullOrEmpty(service) || service.ToString() == options.Value.Service;

    public async Task<Login> LoginAsync(HttpContext http, string username, string password, CancellationToken ct)
    {
        var address = http.ClientAddress();
        // A throttled pair is refused before the secret is checked: a guess while backed off tells nothing.
        if (throttle.RetryAfter(username, address) is { } wait)
        {
            audit.LoginFailed(http, username, "throttled");
            return new Login(null, wait);
        }
        var account = await directory.AuthenticateAsync(username, password, ct);
        if (account is null)
        {
            throttle.Failed(username, address);
            audit.LoginFailed(http, username, "bad credentials");
            return new Login(null, null);
        }
        throttle.Succeeded(username, address);
        return new Login(account, null);
    }

    /// <summary>Retry-After in whole seconds, at least 1.</summary>
    public static string RetryAfterSeconds(TimeSpan wait) =>
        Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    public static string BasicChallenge(HttpContext http) =>
        $"Basic realm=\"{http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Service}\"";

    public async Task<AuthenticatedAccount?> RefreshAsync(HttpContext http, string refreshToken, CancellationToken ct)
    {
        var refresh = refreshToken.Length > 0 ? await tokens.ValidateRefreshAsync(refreshToken) : null;
        if (refresh is null)
            return null;
        var account = await directory.FindAccountAsync(refresh.Subject, ct);
        if (account is null || account.SecurityStamp != refresh.SecurityStamp)
            return null;
        if (refresh.PatId is { } pat && !await directory.IsPatActiveAsync(pat, ct))
            return null;
        return new AuthenticatedAccount(account, refresh.PatId);
    }

    public async Task<IResult> RespondAsync(HttpContext http, AuthenticatedAccount? who, IReadOnlyList<AccessEntry> scopes,
        bool offline, string? refreshToken, CancellationToken ct)
    {
        var granted = new List<AccessEntry>();
        foreach (var scope in scopes)
        {
            IReadOnlySet<string> allowed = scope.Type switch
            {
                AccessEntry.Repository => await directory.AllowedActionsAsync(who?.Account.Id, scope.Name, ct),
                AccessEntry.Registry when scope.Name == "catalog" && who?.Account.IsAdmin == true => new HashSet<string> { Actions.All },
                _ => new HashSet<string>(),
            };
            var actions = RolePolicy.Grant(scope.Actions, allowed);
            if (actions.Count > 0)
                granted.Add(scope with { Actions = actions });
        }

        var (token, issuedAt, lifetime) = tokens.IssueAccess(who?.Account.Id, granted, who?.PatId);
        if (who is not null && offline && refreshToken is null)
            refreshToken = tokens.IssueRefresh(who.Account.Id, who.Account.SecurityStamp, who.PatId);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(new TokenResponse(
            token, token, (int)lifetime.TotalSeconds, issuedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            who is null ? null : refreshToken, string.Join(' ', granted.Select(g => g.ToString()))));
    }

}

internal sealed record TokenResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("token")] string Token,
    [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn,
    [property: System.Text.Json.Serialization.JsonPropertyName("issued_at")] string IssuedAt,
    [property: System.Text.Json.Serialization.JsonPropertyName("refresh_token"),
               System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("scope")] string Scope);
