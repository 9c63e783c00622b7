using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Hosting.Observability;

namespace Platform.Hosting.Security;

/// <summary>
/// How the services behind the gateway learn who the caller is. The gateway authenticates, then forwards
/// <c>X-Platform-Actor: name</c> with <c>X-Platform-Actor-Signature</c> = base64(HMAC-SHA256(Auth:InternalKey,
/// actor + "\n" + request id)). A service with Auth:InternalKey set trusts only such requests on /v2 and /api
/// (401 otherwise) and makes the actor its HttpContext.User, so events record who did it. Without a key
/// (tests, dev) the headers are ignored and everything is anonymous, as before.
/// </summary>
public static class GatewayActor
{
    public const string ActorHeader = "X-Platform-Actor";
    public const string SignatureHeader = "X-Platform-Actor-Signature";
    public const string KeySetting = "Auth:InternalKey";
    public const string AuthenticationType = "platform-gateway";

    public static string Sign(string key, string actor, string requestId)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(key));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(actor + "\n" + requestId)));
    }

    public static bool Verify(string key, string actor, string requestId, string signature)
    {
        byte[] given;
        try
        {
            given = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(key));
        var expected = hmac.ComputeHash(Encoding.UTF8.GetBytes(actor + "\n" + requestId));
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>Middleware (after request ids) for the services behind the gateway.</summary>
    public static WebApplication UseGatewayActor(this WebApplication app)
    {
        var key = app.Configuration[KeySetting];
        if (string.IsNullOrEmpty(key))
            return app;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.GatewayActor");
        app.Use(async (context, next) =>
        {
            var actor = context.Request.Headers[ActorHeader].ToString();
            var signature = context.Request.Headers[SignatureHeader].ToString();
            var valid = actor.Length is > 0 and <= 256 && signature.Length > 0 && Verify(key, actor, context.GetRequestId(), signature);
            if (valid)
            {
                if (actor != "anonymous")
                    context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, actor)], AuthenticationType));
            }
            else if (context.Request.Path.StartsWithSegments("/v2") || context.Request.Path.StartsWithSegments("/api"))
            {
                logger.UnsignedRequestRefused(context.Request.Method, context.Request.Path);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                if (context.Request.Path.StartsWithSegments("/v2"))
                    await context.Response.WriteAsJsonAsync(new
                    {
                        errors = new[] { new { code = "UNAUTHORIZED", message = "requests must come through the gateway", detail = (object?)null } },
                    });
                return;
            }
            await next(context);
        });
        return app;
    }
}

internal static partial class GatewayActorLog
{
    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "refused {Method} {Path}: no valid gateway signature")]
    public static partial void UnsignedRequestRefused(this ILogger logger, string method, PathString path);
}
