using System.Net;
using System.Net.Http.Headers;
using Platform.IntegrationTests.Infrastructure;
using static Platform.IntegrationTests.Distribution.RegistryClient;

namespace Platform.IntegrationTests.Distribution;

/// <summary>Blob pushes and pulls through the gateway: every upload flavour of the spec and its failures.</summary>
[Collection(RegistryCollection.Name)]
public sealed class BlobUploadTests(RegistryFixture registry)
{
    private readonly RegistryClient _client = new(registry.Gateway);
    private HttpClient Http => registry.Gateway;

    [Fact]
    public async Task Base_endpoint_answers_with_the_api_version_header()
    {
        using var response = await Http.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-API-Version").Single());
    }

    [Fact]
    public async Task Monolithic_post_stores_the_blob_and_get_head_and_range_serve_it()
    {
        var repo = UniqueRepo("blobs");
        var bytes = RandomBytes(300_000, 1);
        var digest = DigestOf(bytes);

        using (var post = await Http.PostAsync($"/v2/{repo}/blobs/uploads/?digest={digest}", Octets(bytes)))
        {
            Assert.Equal(HttpStatusCode.Created, post.StatusCode);
            Assert.Equal($"/v2/{repo}/blobs/{digest}", post.Headers.Location!.ToString());
            Assert.Equal(digest, post.Headers.GetValues("Docker-Content-Digest").Single());
        }

        using (var head = await _client.SendAsync(HttpMethod.Head, $"/v2/{repo}/blobs/{digest}"))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(bytes.Length, head.Content.Headers.ContentLength);
            Assert.Equal(digest, head.Headers.GetValues("Docker-Content-Digest").Single());
        }

        Assert.Equal(bytes, await Http.GetByteArrayAsync($"/v2/{repo}/blobs/{digest}"));

        using (var range = await _client.SendAsync(HttpMethod.Get, $"/v2/{repo}/blobs/{digest}",
                   configure: r => r.Headers.Range = new RangeHeaderValue(1000, 1999)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
            Assert.Equal(bytes[1000..2000], await range.Content.ReadAsByteArrayAsync());
            Assert.Equal($"bytes 1000-1999/{bytes.Length}", range.Content.Headers.ContentRange!.ToString());
        }

        using (var beyond = await _client.SendAsync(HttpMethod.Get, $"/v2/{repo}/blobs/{digest}",
                   configure: r => r.Headers.Range = new RangeHeaderValue(bytes.Length + 10, bytes.Length + 20)))
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);

        // A range in a unit that is not bytes is ignored (RFC 9110 14.2): the whole blob, not a byte range.
        using (var items = await _client.SendAsync(HttpMethod.Get, $"/v2/{repo}/blobs/{digest}",
                   configure: r => r.Headers.TryAddWithoutValidation("Range", "items=0-5")))
        {
            Assert.Equal(HttpStatusCode.OK, items.StatusCode);
            Assert.Equal(bytes, await items.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Accelerated_downloads_send_the_same_bytes_and_never_leak_their_internal_headers()
    {
        var repo = UniqueRepo("accel");
        var bytes = RandomBytes(2_000_000, 12);
        var digest = await _client.PushBlobAsync(repo, bytes);

        // A client cannot ask Ingest for the file's place itself: the gateway strips its header.
        using var plain = await _client.SendAsync(HttpMethod.Get, $"/v2/{repo}/blobs/{digest}",
            configure: r => r.Headers.TryAddWithoutValidation("X-Platform-Accel", "content-store"));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(bytes.Length, plain.Content.Headers.ContentLength);
        Assert.Equal(digest, plain.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(bytes, await plain.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain(plain.Headers.Concat(plain.Content.Headers), h => h.Key.StartsWith("X-Platform-Accel", StringComparison.OrdinalIgnoreCase));

        // Ranges still go through Ingest.
        using var range = await _client.SendAsync(HttpMethod.Get, $"/v2/{repo}/blobs/{digest}",
            configure: r => r.Headers.Range = new RangeHeaderValue(10, 19));
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(bytes[10..20], await range.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Post_then_put_with_the_whole_body_completes_an_upload()
    {
        var repo = UniqueRepo("blobs");
        var bytes = RandomBytes(50_000, 2);
        var location = await _client.StartUploadAsync(repo);
        Assert.StartsWith($"/v2/{repo}/blobs/uploads/", location.AbsolutePath);

        using var put = await _client.CompleteAsync(location, DigestOf(bytes), bytes);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(bytes, await Http.GetByteArrayAsync($"/v2/{repo}/blobs/{DigestOf(bytes)}"));
    }

    [Fact]
    public async Task Chunked_upload_reports_progress_and_refuses_gaps_and_replays_with_416()
    {
        var repo = UniqueRepo("blobs");
        var bytes = RandomBytes(3 * 100_000, 3);
        var location = await _client.StartUploadAsync(repo);

        using (var first = await _client.PatchAsync(location, bytes[..100_000], 0))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            Assert.Equal("0-99999", first.Headers.GetValues("Range").Single());
            location = _client.Absolute(first.Headers.Location!);
        }

        // A gap (the next chunk skips bytes) and a replay (the first chunk again) are both 416, with the real range.
        using (var gap = await _client.PatchAsync(location, bytes[200_000..], 200_000))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, gap.StatusCode);
            Assert.Equal("0-99999", gap.Headers.GetValues("Range").Single());
        }
        using (var replay = await _client.PatchAsync(location, bytes[..100_000], 0))
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, replay.StatusCode);

        using (var status = await Http.GetAsync(location))
        {
            Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
            Assert.Equal("0-99999", status.Headers.GetValues("Range").Single());
            Assert.NotNull(status.Headers.Location);
        }

        using (var second = await _client.PatchAsync(location, bytes[100_000..200_000], 100_000))
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        // A chunk without Content-Range (as docker sends a streamed upload) continues at the current offset.
        using (var third = await _client.PatchAsync(location, bytes[200_000..], 200_000, withRange: false))
        {
            Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
            Assert.Equal($"0-{bytes.Length - 1}", third.Headers.GetValues("Range").Single());
        }

        using var put = await _client.CompleteAsync(location, DigestOf(bytes));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(bytes, await Http.GetByteArrayAsync($"/v2/{repo}/blobs/{DigestOf(bytes)}"));

        // The session is over: its status is unknown now.
        using var after = await Http.GetAsync(location);
        await AssertErrorAsync(after, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task A_wrong_digest_is_refused_and_nothing_becomes_visible()
    {
        var repo = UniqueRepo("blobs");
        var bytes = RandomBytes(10_000, 4);
        var claimed = DigestOf(RandomBytes(10_000, 5));

        using (var monolithic = await Http.PostAsync($"/v2/{repo}/blobs/uploads/?digest={claimed}", Octets(bytes)))
            await AssertErrorAsync(monolithic, HttpStatusCode.BadRequest, "DIGEST_INVALID");

        var location = await _client.StartUploadAsync(repo);
        using (var patch = await _client.PatchAsync(location, bytes, 0))
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        using (var put = await _client.CompleteAsync(location, claimed))
            await AssertErrorAsync(put, HttpStatusCode.BadRequest, "DIGEST_INVALID");

        foreach (var digest in new[] { claimed, DigestOf(bytes) })
            using (var head = await _client.SendAsync(HttpMethod.Head, $"/v2/{repo}/blobs/{digest}"))
                Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Theory]
    [InlineData("sha256:short")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("nonsense")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    public async Task Malformed_digests_are_digest_invalid(string digest)
    {
        var repo = UniqueRepo("blobs");
        using (var post = await Http.PostAsync($"/v2/{repo}/blobs/uploads/?digest={Uri.EscapeDataString(digest)}", Octets([1, 2, 3])))
            await AssertErrorAsync(post, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var get = await Http.GetAsync($"/v2/{repo}/blobs/{Uri.EscapeDataString(digest)}"))
            await AssertErrorAsync(get, HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    [Fact]
    public async Task A_chunk_whose_content_range_disagrees_with_its_length_is_416_and_not_written()
    {
        var repo = UniqueRepo("blobs");
        var bytes = RandomBytes(1000, 6);
        var location = await _client.StartUploadAsync(repo);
        // Content-Range that disagrees with the body length is a range error (the chunk is not what it claims).
        var content = Octets(bytes);
        content.Headers.TryAddWithoutValidation("Content-Range", "0-1999");
        using (var patch = await Http.PatchAsync(location, content))
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, patch.StatusCode);
        using var status = await Http.GetAsync(location);
        Assert.Equal("0-0", status.Headers.GetValues("Range").Single());
    }

    [Fact]
    public async Task Big_chunks_that_ingest_refuses_before_reading_are_answered_and_the_connection_stays_usable()
    {
        // Uploads reach Ingest over HTTP/1.1 (the upload lane): a refusal before the body is read must come back
        // at once instead of waiting for 32 MiB nobody reads, and the client's next request must work.
        var repo = UniqueRepo("blobs");
        var big = RandomBytes(32 << 20, 12);
        var timer = System.Diagnostics.Stopwatch.StartNew();
        using (var unknown = await Http.PatchAsync($"/v2/{repo}/blobs/uploads/{Guid.NewGuid():N}", Octets(big)))
            await AssertErrorAsync(unknown, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");

        var location = await _client.StartUploadAsync(repo);
        using (var gap = await _client.PatchAsync(location, big, 1000))
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, gap.StatusCode);
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(30), $"refusals took {timer.Elapsed}");

        using (var status = await Http.GetAsync(location))
            Assert.Equal("0-0", status.Headers.GetValues("Range").Single());
        using (var chunk = await _client.PatchAsync(location, big, 0))
            Assert.Equal(HttpStatusCode.Accepted, chunk.StatusCode);
        using (var put = await _client.CompleteAsync(location, DigestOf(big)))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Fact]
    public async Task Cancelled_upload_is_gone()
    {
        var repo = UniqueRepo("blobs");
        var location = await _client.StartUploadAsync(repo);
        using (var patch = await _client.PatchAsync(location, RandomBytes(5000, 7), 0))
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);

        using (var delete = await Http.DeleteAsync(location))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var status = await Http.GetAsync(location))
            await AssertErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        using (var again = await Http.DeleteAsync(location))
            await AssertErrorAsync(again, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        using (var patch = await _client.PatchAsync(location, RandomBytes(10, 7), 5000))
            await AssertErrorAsync(patch, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task Unknown_or_foreign_upload_sessions_are_blob_upload_unknown()
    {
        var repo = UniqueRepo("blobs");
        using (var unknown = await Http.GetAsync($"/v2/{repo}/blobs/uploads/{Guid.NewGuid():N}"))
            await AssertErrorAsync(unknown, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        using (var garbage = await Http.GetAsync($"/v2/{repo}/blobs/uploads/not-a-session"))
            await AssertErrorAsync(garbage, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");

        // A session belongs to the repository it was opened in.
        var location = await _client.StartUploadAsync(repo);
        var session = location.AbsolutePath.Split('/').Last();
        using var other = await Http.GetAsync($"/v2/{UniqueRepo("blobs")}/blobs/uploads/{session}");
        await AssertErrorAsync(other, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task Cross_repository_mount_links_without_bytes_and_falls_back_to_a_session()
    {
        var source = UniqueRepo("mount");
        var target = UniqueRepo("mount");
        var bytes = RandomBytes(20_000, 8);
        var digest = await _client.PushBlobAsync(source, bytes);

        using (var mount = await Http.PostAsync($"/v2/{target}/blobs/uploads/?mount={digest}&from={source}", null))
        {
            Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
            Assert.Equal($"/v2/{target}/blobs/{digest}", mount.Headers.Location!.ToString());
        }
        Assert.Equal(bytes, await Http.GetByteArrayAsync($"/v2/{target}/blobs/{digest}"));

        // From a repository that does not have it: an ordinary upload session starts instead.
        var missing = DigestOf(RandomBytes(10, 9));
        using var fallback = await Http.PostAsync($"/v2/{UniqueRepo("mount")}/blobs/uploads/?mount={missing}&from={source}", null);
        Assert.Equal(HttpStatusCode.Accepted, fallback.StatusCode);
        Assert.Contains("/blobs/uploads/", fallback.Headers.Location!.ToString());
    }

    [Fact]
    public async Task A_mount_without_from_finds_the_blob_in_another_repository_or_starts_a_session()
    {
        // Auth is off here: every repository may be pulled by everyone, so every repository is a source.
        var source = UniqueRepo("automount");
        var target = UniqueRepo("automount");
        var bytes = RandomBytes(5000, 11);
        var digest = await _client.PushBlobAsync(source, bytes);

        using (var mount = await Http.PostAsync($"/v2/{target}/blobs/uploads/?mount={digest}", null))
        {
            Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
            Assert.Equal($"/v2/{target}/blobs/{digest}", mount.Headers.Location!.ToString());
            Assert.Equal(digest, mount.Headers.GetValues("Docker-Content-Digest").Single());
        }
        Assert.Equal(bytes, await Http.GetByteArrayAsync($"/v2/{target}/blobs/{digest}"));

        using var unknown = await Http.PostAsync($"/v2/{UniqueRepo("automount")}/blobs/uploads/?mount={DigestOf(RandomBytes(10, 12))}", null);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Contains("/blobs/uploads/", unknown.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Deleting_a_blob_unlinks_it_from_one_repository_only()
    {
        var first = UniqueRepo("del");
        var second = UniqueRepo("del");
        var bytes = RandomBytes(4000, 10);
        var digest = await _client.PushBlobAsync(first, bytes);
        await _client.PushBlobAsync(second, bytes);

        using (var delete = await Http.DeleteAsync($"/v2/{first}/blobs/{digest}"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        using (var gone = await _client.SendAsync(HttpMethod.Head, $"/v2/{first}/blobs/{digest}"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var get = await Http.GetAsync($"/v2/{first}/blobs/{digest}"))
            await AssertErrorAsync(get, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
        Assert.Equal(bytes, await Http.GetByteArrayAsync($"/v2/{second}/blobs/{digest}"));

        using var again = await Http.DeleteAsync($"/v2/{first}/blobs/{digest}");
        await AssertErrorAsync(again, HttpStatusCode.NotFound, "BLOB_UNKNOWN");
    }

    [Theory]
    [InlineData("UPPER/case")]
    [InlineData("a//b")]
    [InlineData("trailing-")]
    [InlineData("-leading")]
    public async Task Invalid_repository_names_are_name_invalid(string name)
    {
        using var post = await Http.PostAsync($"/v2/{name}/blobs/uploads/", null);
        await AssertErrorAsync(post, HttpStatusCode.BadRequest, "NAME_INVALID");
        using var tags = await Http.GetAsync($"/v2/{name}/tags/list");
        await AssertErrorAsync(tags, HttpStatusCode.BadRequest, "NAME_INVALID");
    }

    [Fact]
    public async Task An_upload_resumes_after_ingest_restarts()
    {
        var repo = UniqueRepo("resume");
        var bytes = RandomBytes(400_000, 11);
        var location = await _client.StartUploadAsync(repo);
        using (var first = await _client.PatchAsync(location, bytes[..150_000], 0))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        await registry.RestartIngestAsync();

        // The status GET reports exactly the bytes durably written; the client resumes from there.
        using (var status = await Http.GetAsync(location))
        {
            Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
            Assert.Equal("0-149999", status.Headers.GetValues("Range").Single());
        }
        using (var rest = await _client.PatchAsync(location, bytes[150_000..], 150_000))
            Assert.Equal(HttpStatusCode.Accepted, rest.StatusCode);
        using var put = await _client.CompleteAsync(location, DigestOf(bytes));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(bytes, await Http.GetByteArrayAsync($"/v2/{repo}/blobs/{DigestOf(bytes)}"));
    }

    [Fact]
    public async Task Unsupported_methods_get_the_spec_error()
    {
        var repo = UniqueRepo("blobs");
        using var response = await _client.SendAsync(HttpMethod.Put, $"/v2/{repo}/tags/list");
        await AssertErrorAsync(response, HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
    }
}
