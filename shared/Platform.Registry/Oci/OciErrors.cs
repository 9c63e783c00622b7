using Microsoft.AspNetCore.Http;

namespace Platform.Registry.Oci;

/// <summary>
/// The error codes of the OCI Distribution Specification (v1.1, "Error Codes") with the HTTP status each is
/// answered with. Statuses follow the spec's endpoint table and, where it is silent, what distribution answers,
/// because that is what clients were written against.
/// </summary>
public sealed record OciErrorCode(string Code, int Status)
{
    public static readonly OciErrorCode BlobUnknown = new("BLOB_UNKNOWN", StatusCodes.Status404NotFound);
    public static readonly OciErrorCode BlobUploadInvalid = new("BLOB_UPLOAD_INVALID", StatusCodes.Status400BadRequest);
    public static readonly OciErrorCode BlobUploadUnknown = new("BLOB_UPLOAD_UNKNOWN", StatusCodes.Status404NotFound);
    public static readonly OciErrorCode DigestInvalid = new("DIGEST_INVALID", StatusCodes.Status400BadRequest);
    public static readonly OciErrorCode ManifestBlobUnknown = new("MANIFEST_BLOB_UNKNOWN", StatusCodes.Status400BadRequest);
    public static readonly OciErrorCode ManifestInvalid = new("MANIFEST_INVALID", StatusCodes.Status400BadRequest);
    public static readonly OciErrorCode ManifestUnknown = new("MANIFEST_UNKNOWN", StatusCodes.Status404NotFound);
    public static readonly OciErrorCode NameInvalid = new("NAME_INVALID", StatusCodes.Status400BadRequest);
    public static readonly OciErrorCode NameUnknown = new("NAME_UNKNOWN", StatusCodes.Status404NotFound);
    public static readonly OciErrorCode SizeInvalid = new("SIZE_INVALID", StatusCodes.Status400BadRequest);
    public static readonly OciErrorCode Unauthorized = new("UNAUTHORIZED", StatusCodes.Status401Unauthorized);
    public static readonly OciErrorCode Denied = new("DENIED", StatusCodes.Status403Forbidden);
    public static readonly OciErrorCode Unsupported = new("UNSUPPORTED", StatusCodes.Status405MethodNotAllowed);
    public static readonly OciErrorCode TooManyRequests = new("TOOMANYREQUESTS", StatusCodes.Status429TooManyRequests);

    /// <summary>Not in the spec's table; distribution's code for a bad <c>n</c>, which clients already know.</summary>
    public static readonly OciErrorCode PaginationNumberInvalid = new("PAGINATION_NUMBER_INVALID", StatusCodes.Status400BadRequest);

    /// <summary>Storage or a dependency is failing: the client should retry (503 with Retry-After, never a bare 500).</summary>
    public static readonly OciErrorCode Unavailable = new("UNAVAILABLE", StatusCodes.Status503ServiceUnavailable);
}

/// <summary>One entry of the spec's error body, with the status it is sent under.</summary>
public sealed record OciError(OciErrorCode Code, string Message, object? Detail = null);

/// <summary>Minimal-API results that speak the spec's error JSON: <c>{"errors":[{"code","message","detail"}]}</c>.</summary>
public static class OciResults
{
    public static IResult Error(OciErrorCode code, string message, object? detail = null) =>
        Error(new OciError(code, message, detail));

    public static IResult Error(OciError error) =>
        Results.Json(
            new { errors = new[] { new { code = error.Code.Code, message = error.Message, detail = error.Detail } } },
            statusCode: error.Code.Status,
            contentType: "application/json");

    /// <summary>416 for a chunk that does not continue the upload where it stands; the body still carries the spec's code.</summary>
    public static IResult RangeNotSatisfiable(string message) =>
        Results.Json(
            new { errors = new[] { new { code = OciErrorCode.BlobUploadInvalid.Code, message, detail = (object?)null } } },
            statusCode: StatusCodes.Status416RangeNotSatisfiable,
            contentType: "application/json");

    /// <summary>413 for a manifest over the limit: the spec's status for it, with MANIFEST_INVALID as the code.</summary>
    public static IResult PayloadTooLarge(string message) =>
        Results.Json(
            new { errors = new[] { new { code = OciErrorCode.ManifestInvalid.Code, message, detail = (object?)null } } },
            statusCode: StatusCodes.Status413PayloadTooLarge,
            contentType: "application/json");
}
