using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Hosting.Observability;

/// <summary>
/// Every request carries an X-Request-Id: the gateway mints it (or keeps a sane one from the client), the
/// services behind it reuse the one forwarded, and events record it so the audit trail ties back to the call.
/// </summary>
public static class RequestIds
{
    public const string Header = "X-Request-Id";

    public static IServiceCollection AddRequestIds(this IServiceCollection services) => services;

    public static WebApplication UseRequestIds(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.RequestIds");
        app.Use(async (context, next) =>
        {
            var id = context.Request.Headers[Header].ToString();
            if (!IsAcceptable(id))
                id = Guid.NewGuid().ToString("N");

            context.TraceIdentifier = id;
            context.Request.Headers[Header] = id;
            // Set when the response starts, replacing whatever a proxied backend sent, so there is exactly one.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[Header] = id;
                return Task.CompletedTask;
            });
            Activity.Current?.SetTag("platform.request_id", id);

            using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = id }))
                await next(context);
        });
        return app;
    }

    /// <summary>The request id of the current request (as set by <see cref="UseRequestIds"/>).</summary>
    public static string GetRequestId(this HttpContext context) => context.TraceIdentifier;

    // A client-provided id is kept only if it is short and plain: it ends up in logs and in the audit trail.
    private static bool IsAcceptable(string id) =>
        id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
