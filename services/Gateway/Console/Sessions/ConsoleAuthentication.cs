using Platform.Gateway.Auth;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Authorization;

namespace Platform.Gateway.Console.Sessions;

/// <summary>
/// Who is using the console: the session cookie names the account, which then is the request's <see cref="Caller"/>
/// exactly as HTTP Basic credentials on the platform API would be (the account itself, no token scopes), so every
/// check the gateway makes for the API holds for the console too. Pages other than the login page and the assets
/// send a visitor without a session to the login page. With Auth:Enabled=false the console is as open as the API.
/// </summary>
internal static class ConsoleAuthentication
{
    public const string CookieName = "platform-console";
    public const string BasePath = "/console";
    public const string LoginPath = "/console/login";

    public static WebApplication UseConsoleSessions(this WebApplication app)
    {
        var authEnabled = app.Configuration.AuthEnabled();
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (!path.StartsWithSegments(BasePath, out var rest))
            {
                await next(context);
                return;
            }
            SecurityHeaders(context.Response);
            if (!rest.HasValue || rest.Value == "")
            {
                context.Response.Redirect(BasePath + "/");
                return;
            }
            if (authEnabled && await SessionCallerAsync(context) is { } caller)
                context.SetCaller(caller);
            else if (authEnabled && !IsPublic(rest.Value!))
            {
                var target = context.Request.Path + context.Request.QueryString;
                context.Response.Redirect($"{LoginPath}?returnUrl={Uri.EscapeDataString(target)}");
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>What a visitor without a session may see: the login page and the stylesheet and script it uses.</summary>
    private static bool IsPublic(string rest) =>
        rest.Equals("/login", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("/assets/", StringComparison.OrdinalIgnoreCase);

    private static async Task<Caller?> SessionCallerAsync(HttpContext context)
    {
        var sessions = context.RequestServices.GetRequiredService<ConsoleSessions>();
        var id = context.Request.Cookies[CookieName];
        if (sessions.Find(id) is not { } session)
            return null;
        // A deleted account or a revoked personal access token ends the session on its next request.
        var directory = context.RequestServices.GetRequiredService<IdentityDirectory>();
        if (await directory.FindAccountAsync(session.Account, context.RequestAborted) is null
            || (session.PatId is { } pat && !await directory.IsPatActiveAsync(pat, context.RequestAborted)))
        {
            sessions.End(id);
            return null;
        }
        return new Caller(session.Account, null, Credentials.Password);
    }

    public static void IssueCookie(HttpContext context, string sessionId) =>
        context.Response.Cookies.Append(CookieName, sessionId, CookieOptions(context));

    public static void ClearCookie(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, CookieOptions(context));

    // HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure whenever the console is
    // reached over TLS, and scoped to the console: the API never sees it and never accepts it.
    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = BasePath,
        IsEssential = true,
    };

    // Everything the console serves is its own: no inline script, no other origin, no framing.
    private static void SecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        // "no-cache" too, as antiforgery wants on every page that carries a token.
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
    }
}
