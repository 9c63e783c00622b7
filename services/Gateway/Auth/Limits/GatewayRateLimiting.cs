using System.Globalization;
using System.Threading.RateLimiting;
using Platform.Gateway.Auth.Authorization;
using Platform.Registry.Oci;

namespace Platform.Gateway.Auth.Limits;

/// <summary>
/// A token bucket per account (authenticated callers) or per client address (everyone else), from
/// "Auth:RateLimit". Over budget: 429 with Retry-After, the OCI TOOMANYREQUESTS body on /v2, problem+json elsewhere.
/// Health endpoints are never limited.
/// </summary>
internal static class GatewayRateLimiting
{
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services, RateLimitOptions limits)
    {
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (!limits.Enabled || context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/readyz"))
                    return RateLimitPartition.GetNoLimiter("none");
                var caller = context.GetCaller();
                var key = caller.Name is { } name ? "account:" + name : "address:" + context.ClientAddress();
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, limits.Burst),
                    TokensPerPeriod = Math.Max(1, limits.PermitsPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                var http = ctx.HttpContext;
                var retry = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                http.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                var result = http.Request.Path.StartsWithSegments("/v2")
                    ? OciResults.Error(OciErrorCode.TooManyRequests, "too many requests; retry later")
                    : Results.Problem(statusCode: 429, title: "too many requests; retry later");
                await result.ExecuteAsync(http);
            };
        });
        return services;
    }
}
