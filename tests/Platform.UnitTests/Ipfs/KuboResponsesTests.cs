using System.Net;
using Platform.Ipfs;

namespace Platform.UnitTests.Ipfs;

public sealed class KuboResponsesTests
{
    [Fact]
    public void Add_reads_size_sent_as_a_string_as_Kubo_does()
    {
        var result = KuboResponses.ParseAdd(
            """{"Name":"f","Hash":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o","Size":"20"}""" + "\n", "f");
        Assert.Equal(new IpfsAddResult("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", 20, "f"), result);
    }

    [Fact]
    public void Add_reads_size_sent_as_a_number_and_ignores_extra_fields()
    {
        var result = KuboResponses.ParseAdd(
            """{"Name":"f","Hash":"QmA","Size":3145984,"Mode":"0644"}""", "f");
        Assert.Equal(3145984, result.Size);
    }

    [Fact]
    public void Add_skips_progress_lines_and_picks_the_entry_named_like_the_file()
    {
        const string body = """
            {"Name":"blob","Bytes":262144}
            {"Name":"blob","Bytes":524288}
            {"Name":"blob","Hash":"QmFile","Size":"524300"}
            {"Name":"","Hash":"QmWrapper","Size":"524360"}

            """;
        Assert.Equal("QmFile", KuboResponses.ParseAdd(body, "blob").Cid);
    }

    [Fact]
    public void Add_falls_back_to_the_last_entry_with_a_hash()
    {
        const string body = "{\"Name\":\"a\",\"Hash\":\"QmA\",\"Size\":\"1\"}\r\n{\"Name\":\"b\",\"Hash\":\"QmB\",\"Size\":\"2\"}\r\n";
        Assert.Equal("QmB", KuboResponses.ParseAdd(body, "other").Cid);
    }

    [Fact]
    public void Add_without_any_hash_throws()
    {
        Assert.Throws<KuboException>(() => KuboResponses.ParseAdd("""{"Name":"f","Bytes":10}""", "f"));
    }

    [Fact]
    public void Repo_stat_reads_strings_and_numbers()
    {
        var js = KuboResponses.ParseRepoStat(
            """{"NumObjects":"7","RepoSize":"12345","RepoPath":"/r","Version":"fs-repo@12","StorageMax":"10000000000"}""");
        var go = KuboResponses.ParseRepoStat(
            """{"RepoSize":12345,"StorageMax":10000000000,"NumObjects":7,"RepoPath":"/r","Version":"fs-repo@15"}""");
        Assert.Equal((12345L, 10000000000L, 7L), (js.RepoSize, js.StorageMax, js.NumObjects));
        Assert.Equal((12345L, 10000000000L, 7L), (go.RepoSize, go.StorageMax, go.NumObjects));
    }

    [Fact]
    public void Uint64_beyond_long_is_clamped()
    {
        var stat = KuboResponses.ParseRepoStat("""{"RepoSize":1,"StorageMax":18446744073709551615,"NumObjects":"18446744073709551615"}""");
        Assert.Equal(long.MaxValue, stat.StorageMax);
        Assert.Equal(long.MaxValue, stat.NumObjects);
    }

    [Fact]
    public void Pin_ls_reads_keys_and_streamed_lines()
    {
        Assert.Equal(["QmA", "QmB"],
            KuboResponses.ParsePinLs("""{"Keys":{"QmA":{"Type":"recursive"},"QmB":{"Type":"recursive"}}}"""));
        Assert.Equal(["QmA", "QmB"],
            KuboResponses.ParsePinLs("{\"Cid\":\"QmA\",\"Type\":\"recursive\"}\n{\"Cid\":\"QmB\",\"Type\":\"recursive\"}\n"));
        Assert.Empty(KuboResponses.ParsePinLs("""{"Keys":{}}"""));
    }

    [Fact]
    public void Error_body_becomes_the_exception_message()
    {
        var e = KuboResponses.ParseError("cat", HttpStatusCode.InternalServerError,
            """{"Message":"request timed out","Code":0,"Type":"error"}""");
        Assert.Equal("request timed out", e.Message);
        Assert.Equal(0, e.KuboCode);
        Assert.True(e.IsNotFound);
        Assert.False(e.IsNotPinned);
    }

    [Fact]
    public void Non_json_error_body_is_kept()
    {
        var e = KuboResponses.ParseError("id", HttpStatusCode.MethodNotAllowed, "405 - Method Not Allowed\n");
        Assert.Equal("405 - Method Not Allowed", e.Message);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, e.StatusCode);
    }

    [Theory]
    [InlineData("request timed out", true)]
    [InlineData("context deadline exceeded", true)]
    [InlineData("block was not found locally (offline): ipld: could not find QmA", true)]
    [InlineData("path 'QmA' is not pinned", false)]
    [InlineData("invalid path \"x\": selected encoding not supported", false)]
    public void Not_found_covers_js_ipfs_and_Kubo_wordings(string message, bool notFound)
    {
        Assert.Equal(notFound, new KuboException("cat", HttpStatusCode.InternalServerError, message).IsNotFound);
    }

    [Theory]
    [InlineData(5000, "5000ms")]
    [InlineData(0.4, "1ms")]
    [InlineData(1500.2, "1501ms")]
    public void Timeouts_are_sent_as_go_durations(double ms, string expected)
    {
        Assert.Equal(expected, KuboClient.Duration(TimeSpan.FromMilliseconds(ms)));
    }
}
