using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Tokens;

namespace Platform.Gateway.Auth.Authorization;

/// <summary>
/// Reads the request's credentials into its <see cref="Caller"/>, the same way for every route:
/// <list type="bullet">
/// <item>a bearer token (from /token) anywhere; one that does not validate makes the caller
/// <see cref="Credentials.Invalid"/>, never anonymous;</item>
/// <item>HTTP Basic under /api/v1: a password, a robot secret or a personal access token, checked through the login
/// throttle like a login at /token. Wrong: 401 at once (429 while backed off), never an anonymous answer;</item>
/// <item>on /v2 anything but a bearer token is <see cref="Credentials.NotAToken"/>: the spec's token flow is the
/// way in, so the guard sends the client to the realm;</item>
/// <item>/token reads its own Basic credentials; health and other paths need none.</item>
/// </list>
/// </summary>
internal static class CallerAuthentication
{
    public static WebApplication UseCallerAuthentication(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            var path = request.Path;
            var platformApi = path.StartsWithSegments("/api/v1");
            if (request.BearerToken() is { Length: > 0 } raw)
                context.SetCaller(await FromTokenAsync(context, raw));
            else if (request.Headers.Authorization.Count == 0 || (!platformApi && !path.StartsWithSegments("/v2")))
            {
                // Nothing presented, or a path that takes no credentials here (/token reads its own).
            }
            else if (!platformApi)
                context.SetCaller(Caller.Anonymous with { Presented = Credentials.NotAToken });
            else if (!request.TryGetBasicCredentials(out var username, out var password))
                context.SetCaller(Caller.Anonymous with { Presented = Credentials.Invalid });
            else
            {
                var login = await context.RequestServices.GetRequiredService<TokenIssuer>().LoginAsync(context, username, password, context.RequestAborted);
                if (login.Account is null)
                {
                    await Refused(context, login).ExecuteAsync(context);
                    return;
                }
                context.SetCaller(new Caller(login.Account.Account.Id, null, Credentials.Password));
            }
            await next(context);
        });
        return app;
    }

    private static async Task<Caller> FromTokenAsync(HttpContext context, string raw)
    {
        var token = await context.RequestServices.GetRequiredService<TokenService>().ValidateAccessAsync(raw);
        // A token made from a personal access token dies with it.
        if (token?.PatId is { } pat
            && !await context.RequestServices.GetRequiredService<IdentityDirectory>().IsPatActiveAsync(pat, context.RequestAborted))
            token = null;
        return token is null ? Caller.Anonymous with { Presented = Credentials.Invalid } : new Caller(token.Subject, token, Credentials.Token);
    }

    /// <summary>A failed Basic login on the platform API: problem+json, 429 with Retry-After while backed off, else 401.</summary>
    private static IResult Refused(HttpContext context, TokenIssuer.Login login)
    {
        if (login.RetryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = TokenIssuer.RetryAfterSeconds(wait);
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "too many failed logins; retry later");
        }
        return RegistryGuard.Challenge(context, null);
    }
}
