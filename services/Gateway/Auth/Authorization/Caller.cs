using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Platform.Gateway.Auth.Tokens;

namespace Platform.Gateway.Auth.Authorization;

/// <summary>What a request presented to prove who sent it.</summary>
internal enum Credentials
{
    /// <summary>No Authorization header: an anonymous caller.</summary>
    None,

    /// <summary>A valid access token from /token (its subject may be empty: an anonymous token).</summary>
    Token,

    /// <summary>HTTP Basic that verified: a password, a robot secret or a personal access token (/api/v1 only).</summary>
    Password,

    /// <summary>An Authorization header that proves nothing (bad or expired token, unknown scheme, garbage).</summary>
    Invalid,

    /// <summary>HTTP Basic on /v2, where the spec's token flow is the only way in: the client is sent to the realm.</summary>
    NotAToken,
}

/// <summary>Who is calling the gateway, as far as the request's credentials say.</summary>
internal sealed record Caller(string? Name, AccessToken? Token, Credentials Presented)
{
    public static readonly Caller Anonymous = new(null, null, Credentials.None);
    public const string AnonymousName = "anonymous";

    public bool IsAuthenticated => Name is not null;
    public string ActorName => Name ?? AnonymousName;

    /// <summary>Whether the request's access token grants the action (Basic credentials grant no scope).</summary>
    public bool Allows(string type, string name, string action) => Token?.Allows(type, name, action) == true;
}

internal static class CallerContext
{
    private const string Key = "platform.caller";

    public static Caller GetCaller(this HttpContext context) =>
        context.Items.TryGetValue(Key, out var value) && value is Caller caller ? caller : Caller.Anonymous;

    public static void SetCaller(this HttpContext context, Caller caller)
    {
        context.Items[Key] = caller;
        if (caller.Name is { } name)
            context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)],
                caller.Presented == Credentials.Password ? "Basic" : "Bearer", ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The client's address as the gateway sees it (it is the public door: forwarded headers from clients are not trusted).</summary>
    public static string ClientAddress(this HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Whether the request has an "Authorization: Basic" header at all, well-formed or not.</summary>
    public static bool HasBasicAuthorization(this HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Basic", StringComparison.OrdinalIgnoreCase);

    /// <summary>Username and password of an "Authorization: Basic" header, if there is a well-formed one.</summary>
    public static bool TryGetBasicCredentials(this HttpRequest request, out string username, out string password)
    {
        username = password = "";
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
            return false;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':');
        if (colon <= 0)
            return false;
        username = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }

    public static string? BearerToken(this HttpRequest request)
    {
        var value = request.Headers.Authorization.ToString();
        return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value[7..].Trim() : null;
    }
}
