using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.Registry.Oci;

namespace Platform.UnitTests.Registry.Oci;

public sealed class OciErrorsTests
{
    public static TheoryData<OciErrorCode, string, int> Codes => new()
    {
        { OciErrorCode.BlobUnknown, "BLOB_UNKNOWN", 404 },
        { OciErrorCode.BlobUploadInvalid, "BLOB_UPLOAD_INVALID", 400 },
        { OciErrorCode.BlobUploadUnknown, "BLOB_UPLOAD_UNKNOWN", 404 },
        { OciErrorCode.DigestInvalid, "DIGEST_INVALID", 400 },
        { OciErrorCode.ManifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN", 400 },
        { OciErrorCode.ManifestInvalid, "MANIFEST_INVALID", 400 },
        { OciErrorCode.ManifestUnknown, "MANIFEST_UNKNOWN", 404 },
        { OciErrorCode.NameInvalid, "NAME_INVALID", 400 },
        { OciErrorCode.NameUnknown, "NAME_UNKNOWN", 404 },
        { OciErrorCode.SizeInvalid, "SIZE_INVALID", 400 },
        { OciErrorCode.Unauthorized, "UNAUTHORIZED", 401 },
        { OciErrorCode.Denied, "DENIED", 403 },
        { OciErrorCode.Unsupported, "UNSUPPORTED", 405 },
        { OciErrorCode.TooManyRequests, "TOOMANYREQUESTS", 429 },
        { OciErrorCode.PaginationNumberInvalid, "PAGINATION_NUMBER_INVALID", 400 },
        { OciErrorCode.Unavailable, "UNAVAILABLE", 503 },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public void Codes_and_statuses(OciErrorCode code, string name, int status)
    {
        Assert.Equal(name, code.Code);
        Assert.Equal(status, code.Status);
    }

    [Fact]
    public async Task Error_body_is_the_spec_shape()
    {
        var (status, contentType, body) = await Execute(OciResults.Error(OciErrorCode.NameUnknown, "repository name not known", new { name = "a/b" }));
        Assert.Equal(404, status);
        Assert.StartsWith("application/json", contentType);
        Assert.Equal("""{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known","detail":{"name":"a/b"}}]}""", body);
    }

    [Fact]
    public async Task Error_without_detail_sends_detail_null()
    {
        var (status, _, body) = await Execute(OciResults.Error(new OciError(OciErrorCode.Denied, "no")));
        Assert.Equal(403, status);
        Assert.Equal("""{"errors":[{"code":"DENIED","message":"no","detail":null}]}""", body);
    }

    [Fact]
    public async Task Range_not_satisfiable_is_416_with_BLOB_UPLOAD_INVALID()
    {
        var (status, _, body) = await Execute(OciResults.RangeNotSatisfiable("chunk must start at 10"));
        Assert.Equal(416, status);
        Assert.Equal("""{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"chunk must start at 10","detail":null}]}""", body);
    }

    [Fact]
    public async Task Payload_too_large_is_413_with_MANIFEST_INVALID()
    {
        var (status, _, body) = await Execute(OciResults.PayloadTooLarge("manifest over 4 MiB"));
        Assert.Equal(413, status);
        Assert.Equal("""{"errors":[{"code":"MANIFEST_INVALID","message":"manifest over 4 MiB","detail":null}]}""", body);
    }

    private static async Task<(int Status, string? ContentType, string Body)> Execute(IResult result)
    {
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        await result.ExecuteAsync(context);
        // Re-serialise compactly so the assertion does not depend on the serializer's indentation settings.
        var text = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        using var doc = JsonDocument.Parse(text);
        return (context.Response.StatusCode, context.Response.ContentType, JsonSerializer.Serialize(doc.RootElement));
    }
}
