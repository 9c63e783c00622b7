using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Hosting.Observability;

/// <summary>
/// What a client sees when something fails that is not its fault. A dependency that is down or slow (PostgreSQL,
/// the disk, a backend) is a 503 with Retry-After, so clients retry and uploads stay resumable, never a bare 500
/// (distribution #769). Bodies are the OCI error JSON on /v2 and problem+json elsewhere.
/// </summary>
public static class FailureResponses
{
    public static WebApplication UseFailureResponses(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Failures");
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = async context =>
            {
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var transient = IsTransient(error);
                logger.RequestFailed(error, context.Request.Method, context.Request.Path,
                    transient ? "dependency unavailable" : "unexpected");

                await WriteAsync(context,
                    transient ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError,
                    transient ? "a dependency of the registry is unavailable; retry shortly" : "the registry failed to handle this request");
            },
        });
        return app;
    }

    /// <summary>
    /// Writes a failure as the caller's API speaks it: the OCI error JSON (UNAVAILABLE or UNKNOWN) on /v2,
    /// problem+json elsewhere; a 503 carries Retry-After.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
            context.Response.Headers.RetryAfter = "5";
        if (context.Request.Path.StartsWithSegments("/v2"))
        {
            var code = status == StatusCodes.Status503ServiceUnavailable ? "UNAVAILABLE" : "UNKNOWN";
            await context.Response.WriteAsJsonAsync(new
            {
                errors = new[] { new { code, message, detail = new { requestId = context.GetRequestId() } } },
            });
        }
        else
        {
            await context.Response.WriteAsJsonAsync(new
            {
                type = "about:blank",
                title = message,
                status,
                requestId = context.GetRequestId(),
            }, options: null, contentType: "application/problem+json");
        }
    }

    public static bool IsTransient(Exception? error) => error switch
    {
        null => false,
        NpgsqlException or TimeoutException or SocketException or IOException or HttpRequestException => true,
        AggregateException a => a.InnerExceptions.Any(IsTransient),
        _ => IsTransient(error.InnerException),
    };
}

internal static partial class FailureResponsesLog
{
    [LoggerMessage(EventId = 70, Level = LogLevel.Error, Message = "request {Method} {Path} failed ({Kind})")]
    public static partial void RequestFailed(this ILogger logger, Exception? error, string method, PathString path, string kind);
}
