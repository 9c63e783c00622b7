using Platform.Hosting.Observability;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Gateway.Routing;

/// <summary>
/// A backend that is down or times out is the platform's failure, not the client's: YARP answers those with a bare
/// 502 or 504, which registry clients give up on. They become 503 with Retry-After and the body the caller's API
/// speaks (the OCI error JSON on /v2, problem+json on /api), as PostgreSQL outages inside a service already are.
/// </summary>
internal static partial class BackendFailures
{
    public static IReverseProxyApplicationBuilder UseBackendFailures(this IReverseProxyApplicationBuilder proxy)
    {
        var logger = proxy.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Gateway.Backends");
        proxy.Use(async (context, next) =>
        {
            await next();
            var failure = context.GetForwarderErrorFeature();
            // Once bytes went out, the status is sent: the client sees a cut stream and retries the transfer. A client
            // that went away needs no answer.
            // A backend that did not answer in time was cancelled by the gateway: it looks like the client's
            // cancellation to the proxy, and is the backend's failure.
            var timedOut = context.Features.Get<BackendResponseTimeout>()?.TimedOut == true;
            if (failure is null || context.Response.HasStarted || (IsTheClients(failure.Error) && !timedOut))
                return;
            var backend = context.GetReverseProxyFeature().Route.Config.ClusterId ?? "backend";
            LogUnavailable(logger, failure.Exception, backend, timedOut ? "no answer in time" : failure.Error.ToString(),
                context.Request.Method, context.Request.Path);
            await FailureResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"the {backend} service is unavailable; retry shortly");
        });
        return proxy;
    }

    private static bool IsTheClients(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient;

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "backend {Backend} failed ({Error}) for {Method} {Path}: answered 503")]
    private static partial void LogUnavailable(ILogger logger, Exception? exception, string backend, string error, string method, PathString path);
}
