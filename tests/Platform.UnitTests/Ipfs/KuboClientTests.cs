using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Platform.Ipfs;

namespace Platform.UnitTests.Ipfs;

/// <summary>KuboClient against a canned HTTP handler: what it sends and how it maps Kubo's errors.</summary>
public sealed class KuboClientTests
{
    private sealed class Handler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public List<(HttpMethod Method, Uri Uri, string? ContentType, string? Disposition)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string? disposition = null;
            if (request.Content is MultipartFormDataContent form)
                disposition = form.Single().Headers.ContentDisposition?.ToString();
            Requests.Add((request.Method, request.RequestUri!, request.Content?.Headers.ContentType?.MediaType, disposition));
            return Task.FromResult(respond(request));
        }
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Error(string message) =>
        Json(HttpStatusCode.InternalServerError, $$"""{"Message":"{{message}}","Code":0,"Type":"error"}""");

    private static (KuboClient, Handler) Client(Func<HttpRequestMessage, HttpResponseMessage> respond)
    {
        var handler = new Handler(respond);
        var options = Options.Create(new KuboOptions { ApiUrl = "http://ipfs.test:5001", ReadTimeout = TimeSpan.FromSeconds(2) });
        return (new KuboClient(new HttpClient(handler), options), handler);
    }

    [Fact]
    public async Task Add_posts_multipart_file_with_cid_v0()
    {
        var (client, handler) = Client(_ => Json(HttpStatusCode.OK, """{"Name":"a b.txt","Hash":"QmA","Size":"9"}"""));
        var result = await client.AddAsync(new MemoryStream("hi"u8.ToArray()), "a b.txt", pin: true);

        Assert.Equal(new IpfsAddResult("QmA", 9, "a b.txt"), result);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/v0/add", request.Uri.AbsolutePath);
        Assert.Contains("pin=true", request.Uri.Query);
        Assert.Contains("cid-version=0", request.Uri.Query);
        Assert.Equal("multipart/form-data", request.ContentType);
        Assert.Equal("form-data; name=\"file\"; filename=\"a%20b.txt\"", request.Disposition);
    }

    [Fact]
    public async Task Cat_returns_null_when_the_node_times_out_and_sends_the_timeout()
    {
        var (client, handler) = Client(_ => Error("request timed out"));
        Assert.Null(await client.CatAsync("QmMissing", offset: 10, length: 20));
        var uri = Assert.Single(handler.Requests).Uri;
        Assert.Equal("?arg=QmMissing&timeout=2000ms&offset=10&length=20", uri.Query);
    }

    [Fact]
    public async Task Cat_throws_other_errors()
    {
        var (client, _) = Client(_ => Error("this dag node is a directory"));
        var e = await Assert.ThrowsAsync<KuboException>(() => client.CatAsync("QmDir"));
        Assert.Equal("this dag node is a directory", e.Message);
        Assert.Equal("cat", e.Endpoint);
    }

    [Fact]
    public async Task Pin_ls_of_an_unpinned_cid_is_false_and_pin_rm_is_idempotent()
    {
        var (client, _) = Client(r => Error(r.RequestUri!.AbsolutePath.EndsWith("pin/ls")
            ? "path 'QmA' is not pinned"
            : "not pinned or pinned indirectly"));
        Assert.False(await client.IsPinnedAsync("QmA"));
        await client.PinRmAsync("QmA");
    }

    [Fact]
    public async Task Block_stat_and_pin_add_of_missing_content()
    {
        var (client, _) = Client(_ => Error("context deadline exceeded"));
        Assert.Null(await client.BlockStatSizeAsync("QmA"));
        Assert.False(await client.PinAddAsync("QmA"));
    }

    [Fact]
    public async Task Api_url_path_prefix_is_kept()
    {
        var handler = new Handler(_ => Json(HttpStatusCode.OK, """{"ID":"12D3","AgentVersion":"kubo/0.30.0","Addresses":null}"""));
        var client = new KuboClient(new HttpClient(handler) { BaseAddress = new Uri("http://proxy.test/ipfs/") },
            Options.Create(new KuboOptions()));
        var id = await client.IdAsync();
        Assert.Equal("12D3", id.Id);
        Assert.Empty(id.Addresses);
        Assert.Equal("http://proxy.test/ipfs/api/v0/id", Assert.Single(handler.Requests).Uri.ToString());
    }
}
