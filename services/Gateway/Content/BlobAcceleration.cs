using System.Globalization;
using Platform.Hosting.Content;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Platform.Gateway.Content;

/// <summary>
/// Accelerated blob downloads (the X-Accel-Redirect pattern). When the gateway can read the content store
/// (Storage:Root, read-only is enough: same machine, or the blobs volume mounted read-only), a plain GET of a
/// blob asks Ingest where the verified file is, and the gateway sends that file itself. Ingest still decides
/// everything (authorization happened before, per-repository existence, digest headers, IPFS fallback when the
/// file is gone); only the byte copy through the second hop is saved, which is most of a big pull's cost.
/// Range requests and HEAD are proxied as before.
/// </summary>
internal sealed partial class BlobAcceleration(string storeRoot, ILogger<BlobAcceleration> logger) : ITransformProvider
{
    public static WebApplicationBuilder AddBlobAcceleration(WebApplicationBuilder builder)
    {
        if (builder.Configuration["Storage:Root"] is { Length: > 0 } root && Directory.Exists(root))
            builder.Services.AddSingleton<ITransformProvider>(sp =>
                new BlobAcceleration(Path.GetFullPath(root), sp.GetRequiredService<ILogger<BlobAcceleration>>()));
        return builder;
    }

    public void ValidateRoute(TransformRouteValidationContext context) { }

    public void ValidateCluster(TransformClusterValidationContext context) { }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(t =>
        {
            // Only the gateway asks: a client's own header never reaches Ingest.
            t.ProxyRequest.Headers.Remove(ContentAcceleration.RequestHeader);
            var request = t.HttpContext.Request;
            if (context.Route.ClusterId == "ingest" && HttpMethods.IsGet(request.Method) && request.Headers.Range.Count == 0)
                t.ProxyRequest.Headers.TryAddWithoutValidation(ContentAcceleration.RequestHeader, ContentAcceleration.RequestValue);
            return ValueTask.CompletedTask;
        });

        context.AddResponseTransform(async t =>
        {
            var response = t.HttpContext.Response;
            if (t.ProxyResponse is null || !response.Headers.TryGetValue(ContentAcceleration.PathHeader, out var relative))
                return;
            var lengthText = response.Headers[ContentAcceleration.LengthHeader].ToString();
            response.Headers.Remove(ContentAcceleration.PathHeader);
            response.Headers.Remove(ContentAcceleration.LengthHeader);

            var path = Path.GetFullPath(Path.Combine(storeRoot, relative.ToString()));
            if (!path.StartsWith(storeRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                || !long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || !File.Exists(path))
            {
                // Ingest and this view of the store disagree (a misconfigured mount): fail this download so the
                // client retries, rather than send something that is not the blob.
                LogUnreadable(relative.ToString(), storeRoot);
                t.SuppressResponseBody = true;
                t.HttpContext.Abort();
                return;
            }

            t.SuppressResponseBody = true;
            response.ContentLength = length;
            await response.SendFileAsync(path, 0, length, t.HttpContext.RequestAborted);
        });
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Error, Message = "accelerated download of {Path} is not readable under {Root}")]
    private partial void LogUnreadable(string path, string root);
}
