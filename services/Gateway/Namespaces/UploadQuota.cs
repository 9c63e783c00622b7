using Microsoft.AspNetCore.Http.Features;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Auditing;
using Platform.Gateway.Auth.Tokens;
using Platform.Registry.Oci;
using Platform.Registry.Routing;

namespace Platform.Gateway.Namespaces;

/// <summary>
/// Refuses a blob upload that would take its namespace past <c>quotaBytes</c>, with <c>DENIED</c> (403) naming the
/// quota and the usage, before a byte reaches Ingest. It runs after authorization, so the caller may push; what it
/// weighs is the usage (the distinct blobs the namespace's repositories link, from Metadata), what the upload
/// session holds already (from Ingest) and the request's Content-Length:
/// <list type="bullet">
/// <item>monolithic <c>POST ?digest=</c>: usage + body;</item>
/// <item><c>PATCH</c>: usage + received so far + this chunk;</item>
/// <item>final <c>PUT</c>: usage + received so far + its body (the blob's total).</item>
/// </list>
/// A blob the namespace links already adds nothing and always passes. A body without Content-Length (chunked
/// transfer) is checked against what was received so far and then capped at the bytes left under the quota: the
/// server stops reading past it, so an upload never holds more than the quota allows.
/// <para>What it does not weigh: a cross-repository mount (it stores no bytes, but links a blob that then counts),
/// and pushes racing each other (each is weighed against the usage before the others land).</para>
/// </summary>
internal static class UploadQuota
{
    public static WebApplication UseUploadQuotas(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (await AdmitAsync(context))
                await next(context);
        });
        return app;
    }

    private static async Task<bool> AdmitAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (!(HttpMethods.IsPost(method) || HttpMethods.IsPatch(method) || HttpMethods.IsPut(method))
            || !context.Request.Path.StartsWithSegments("/v2", out var rest)
            || !OciRoute.TryParse((rest.Value ?? "").TrimStart('/'), out var route) || !route.IsUpload)
            return true;
        var digest = context.Request.Query["digest"].ToString() is { Length: > 0 } d ? d : null;
        // A POST without a digest only opens a session (a mount stores nothing either): no bytes to weigh yet.
        if (route.Kind == OciRouteKind.UploadStart && digest is null)
            return true;
        var ns = ScopeParser.NamespaceOf(route.Name);
        var services = context.RequestServices;
        var quota = await services.GetRequiredService<IdentityStore>().QuotaOfAsync(ns, context.RequestAborted);
        if (quota is not { } limit)
            return true;

        var usageClient = services.GetRequiredService<NamespaceUsageClient>();
        var logger = services.GetRequiredService<ILogger<NamespaceUsageClient>>();
        long received = 0;
        if (route.Kind == OciRouteKind.UploadSession)
        {
            if (await usageClient.ReceivedAsync(context, context.Request.Path.Value!, context.RequestAborted) is not { } r)
                return await UnavailableAsync(context, logger, ns, "Ingest does not answer the upload's status");
            received = r;
        }
        if (await usageClient.UsageAsync(context, ns, digest, context.RequestAborted) is not { } usage)
            return await UnavailableAsync(context, logger, ns, "Metadata does not answer the namespace's usage");
        if (usage.Linked == true)
            return true;

        var canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        var length = context.Request.ContentLength ?? (canHaveBody ? null : 0);
        var incoming = received + (length ?? 0);
        var left = limit - usage.Bytes - received;
        if ((incoming > 0 && usage.Bytes + incoming > limit) || (length is null && left <= 0))
        {
            NamespaceLog.OverQuota(logger, route.Name, limit, usage.Bytes, incoming);
            services.GetRequiredService<AccessAudit>().Denied(context, route.Name, "quota");
            await OciResults.Error(OciErrorCode.Denied,
                $"namespace {ns} is over its quota: quota {limit} bytes, usage {usage.Bytes} bytes, this upload {incoming}{(length is null ? "+" : "")} bytes",
                new { @namespace = ns, quotaBytes = limit, usageBytes = usage.Bytes, uploadBytes = incoming }).ExecuteAsync(context);
            return false;
        }
        // Chunked transfer: the length shows only as it arrives, so stop reading where the quota ends.
        if (length is null && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } max)
            max.MaxRequestBodySize = Math.Min(max.MaxRequestBodySize ?? long.MaxValue, left);
        return true;
    }

    // Without the usage the quota cannot be kept: a failing dependency, retryable (the upload stays resumable).
    private static async Task<bool> UnavailableAsync(HttpContext context, ILogger logger, string ns, string why)
    {
        NamespaceLog.QuotaUnchecked(logger, ns, why);
        context.Response.Headers.RetryAfter = "5";
        await OciResults.Error(OciErrorCode.Unavailable, "the namespace's quota cannot be checked; retry shortly", null).ExecuteAsync(context);
        return false;
    }
}
