using Microsoft.Extensions.Primitives;
using Platform.Registry.Oci;

namespace Platform.UnitTests.Registry.Oci;

public sealed class ContentRangeTests
{
    [Theory]
    [InlineData("0-99", 0, 99)]
    [InlineData("100-199", 100, 199)]
    [InlineData("5-5", 5, 5)]
    [InlineData("  0-99  ", 0, 99)]
    [InlineData("bytes 0-99/200", 0, 99)]   // RFC 9110 Content-Range
    [InlineData("bytes 0-99/*", 0, 99)]
    [InlineData("bytes=0-99", 0, 99)]       // Range-style
    [InlineData("BYTES=10-19", 10, 19)]
    [InlineData("0-99/100", 0, 99)]
    [InlineData("0-9223372036854775806", 0, 9223372036854775806)]
    public void Accepted_forms(string header, long start, long end)
    {
        Assert.True(ContentRange.TryParse(header, out var range));
        Assert.Equal(new ContentRange(start, end), range);
        Assert.Equal(end - start + 1, range.Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bytes")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("5-")]
    [InlineData("5-4")]      // end before start
    [InlineData("a-b")]
    [InlineData("+1-2")]
    [InlineData("1-+2")]
    [InlineData("0 - 99")]
    [InlineData("0-99-100")]
    [InlineData("0x0-0x10")]
    [InlineData("0-99999999999999999999")] // beyond long
    [InlineData("bytes */200")]
    public void Rejected_forms(string? header)
    {
        Assert.False(ContentRange.TryParse(header, out var range));
        Assert.Equal(default, range);
    }

    [Theory]
    [InlineData(0, "0-0")]
    [InlineData(-1, "0-0")]
    [InlineData(1, "0-0")]
    [InlineData(2, "0-1")]
    [InlineData(1024, "0-1023")]
    [InlineData(5368709120, "0-5368709119")]
    public void Upload_status_range_is_inclusive(long offset, string expected)
    {
        Assert.Equal(expected, ContentRange.FormatUploadRange(offset));
    }

    [Fact]
    public void Formats_as_start_dash_end()
    {
        Assert.Equal("10-19", new ContentRange(10, 19).ToString());
    }
}

public sealed class ContentNegotiationTests
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    [Fact]
    public void No_Accept_admits_anything()
    {
        Assert.True(ContentNegotiation.Accepts(StringValues.Empty, OciManifest));
        Assert.True(ContentNegotiation.Accepts(new StringValues(""), OciManifest));
        Assert.True(ContentNegotiation.Accepts(new StringValues(["", "  "]), OciManifest));
    }

    [Theory]
    [InlineData(OciManifest, true)]
    [InlineData("APPLICATION/VND.OCI.IMAGE.MANIFEST.V1+JSON", true)]
    [InlineData("application/vnd.oci.image.manifest.v1+json; q=0.9", true)]
    [InlineData(DockerManifest, false)]
    [InlineData("application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json", false)]
    [InlineData("application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json", true)]
    [InlineData("application/vnd.docker.distribution.manifest.v2+json,application/vnd.oci.image.manifest.v1+json;q=0.5", true)]
    [InlineData("*/*", true)]
    [InlineData("application/json, */*;q=0.1", true)]
    [InlineData("application/*", true)]
    [InlineData("text/*", false)]
    [InlineData("application/json", false)]
    [InlineData("application/vnd.oci.image.manifest.v1", false)]
    [InlineData(",,", true)] // no type at all: as if there were no Accept
    public void One_Accept_header(string accept, bool admitted)
    {
        Assert.Equal(admitted, ContentNegotiation.Accepts(new StringValues(accept), OciManifest));
    }

    [Fact]
    public void Several_Accept_headers_are_one_list()
    {
        Assert.True(ContentNegotiation.Accepts(new StringValues([DockerManifest, OciManifest]), OciManifest));
        Assert.False(ContentNegotiation.Accepts(new StringValues([DockerManifest, "application/vnd.oci.image.index.v1+json"]), OciManifest));
    }
}

public sealed class PaginationTests
{
    private static readonly string[] Tags = ["a", "b", "c", "d"];

    private static Page PageOf(IReadOnlyList<string> items, string? n, string? last)
    {
        Assert.True(Pagination.TryPage(items, new StringValues(n), new StringValues(last), out var page, out var error));
        Assert.Null(error);
        return page;
    }

    [Fact]
    public void Without_n_or_last_everything()
    {
        var page = PageOf(Tags, null, null);
        Assert.Equal(Tags, page.Items);
        Assert.False(page.HasMore);
        Assert.Equal(4, page.Requested);
        Assert.Equal("d", page.Last);
    }

    [Fact]
    public void N_limits_and_says_there_is_more()
    {
        var page = PageOf(Tags, "2", null);
        Assert.Equal(["a", "b"], page.Items);
        Assert.True(page.HasMore);
        Assert.Equal(2, page.Requested);
        Assert.Equal("b", page.Last);
    }

    [Fact]
    public void Last_continues_after_the_item()
    {
        var page = PageOf(Tags, "2", "b");
        Assert.Equal(["c", "d"], page.Items);
        Assert.False(page.HasMore); // exactly the rest
        Assert.Equal(2, page.Requested);
    }

    [Fact]
    public void Last_need_not_exist()
    {
        Assert.Equal(["c", "d"], PageOf(Tags, null, "bb").Items);
        Assert.Equal(Tags, PageOf(Tags, null, "0").Items);
        var none = PageOf(Tags, "5", "z");
        Assert.Empty(none.Items);
        Assert.False(none.HasMore);
        Assert.Null(none.Last);
        Assert.Equal(5, none.Requested);
    }

    [Fact]
    public void N_larger_than_the_rest()
    {
        var page = PageOf(Tags, "10", "a");
        Assert.Equal(["b", "c", "d"], page.Items);
        Assert.False(page.HasMore);
        Assert.Equal(10, page.Requested);
    }

    [Fact]
    public void N_zero_is_an_empty_page_without_a_next()
    {
        var page = PageOf(Tags, "0", null);
        Assert.Empty(page.Items);
        Assert.False(page.HasMore);
        Assert.Equal(0, page.Requested);
    }

    [Fact]
    public void Order_is_ordinal()
    {
        // Upper case sorts before lower case by code point.
        Assert.Equal(["a", "b"], PageOf(["B", "Z", "a", "b"], null, "Z").Items);
    }

    [Fact]
    public void Empty_list()
    {
        var page = PageOf([], "3", null);
        Assert.Empty(page.Items);
        Assert.False(page.HasMore);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void A_bad_n_is_PAGINATION_NUMBER_INVALID(string n)
    {
        Assert.False(Pagination.TryPage(Tags, new StringValues(n), StringValues.Empty, out _, out var error));
        Assert.NotNull(error);
        Assert.Same(OciErrorCode.PaginationNumberInvalid, error.Code);
        Assert.Equal("n must be a non-negative integer", error.Message);
    }

    [Fact]
    public void Next_link_carries_n_and_the_escaped_last()
    {
        var page = new Page(["x/y", "a b"], 2, true);
        Assert.Equal("</v2/team/app/tags/list?n=2&last=a%20b>; rel=\"next\"", Pagination.NextLink("/v2/team/app/tags/list", page));
        Assert.Equal("</v2/_catalog?n=2&last=team%2Fapp>; rel=\"next\"",
            Pagination.NextLink("/v2/_catalog", new Page(["team/app"], 2, true)));
    }
}
