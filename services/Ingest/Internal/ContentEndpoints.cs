using Platform.Ingest.Storage;
using Platform.Registry.Oci;

namespace Platform.Ingest.Internal;

/// <summary>
/// Blob bytes for the platform's own services (Pinning streams them into IPFS), by digest alone. Not an OCI
/// endpoint: the gateway routes nothing under /internal, so clients never reach it, and it does not know about
/// repositories.
/// </summary>
public static class ContentEndpoints
{
    public static IEndpointRouteBuilder MapInternalContent(this IEndpointRouteBuilder app)
    {
        app.MapGet("/internal/v1/blobs/{digest}", (string digest, ContentStore content) =>
        {
            if (!Digest.TryParse(digest, out var parsed, out var error))
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid digest", detail: error);
            var path = content.BlobPath(parsed.ToString());
            return File.Exists(path)
                ? Results.File(path, "application/octet-stream", enableRangeProcessing: true)
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "blob not in the content store", detail: parsed.ToString());
        });
        return app;
    }
}
