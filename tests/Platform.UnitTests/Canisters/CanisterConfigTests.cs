using System.Text;
using Platform.Canisters;

namespace Platform.UnitTests.Canisters;

public sealed class CanisterConfigTests
{
    private const string Hash = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private static string Json(string name = "\"shop/ledger\"", string branch = "\"main\"", string tag = "\"v1.2.0\"", string commit = $"\"{Commit}\"",
        string hash = $"\"{Hash}\"", string built = "\"2026-12-01T12:00:00Z\"") =>
        $$"""{"name":{{name}},"branch":{{branch}},"tag":{{tag}},"commit":{{commit}},"moduleHash":{{hash}},"candid":null,"source":"https://x/y.git","built":{{built}},"builder":"moc 4.10.0"}""";

    [Fact]
    public void A_full_config_reads()
    {
        Assert.True(CanisterConfigReader.TryRead(Encoding.UTF8.GetBytes(Json()), out var config, out var invalid), invalid?.Message);
        Assert.Equal(new CanisterConfig("shop/ledger", "main", "v1.2.0", Commit, Hash, null, "https://x/y.git",
            new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero), "moc 4.10.0"), config);
    }

    [Theory]
    [InlineData("not json", "config")]
    [InlineData("[]", "config")]
    [InlineData("""{"name":"a/b"}""", "config.branch")]
    public void Broken_documents_name_what_is_wrong(string json, string field)
    {
        Assert.False(CanisterConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out _, out var invalid));
        Assert.Equal(field, invalid!.Field);
    }

    [Theory]
    [InlineData("null", null, null, null, null, null, "config.name")]
    [InlineData("\"\"", null, null, null, null, null, "config.name")]
    [InlineData("1", null, null, null, null, null, "config.name")]
    [InlineData(null, "null", null, null, null, null, "config.branch")]
    [InlineData(null, "\"a:b\"", null, null, null, null, "config.branch")]
    [InlineData(null, "\"a..b\"", null, null, null, null, "config.branch")]
    [InlineData(null, "\"-x\"", null, null, null, null, "config.branch")]
    [InlineData(null, "\"x/\"", null, null, null, null, "config.branch")]
    [InlineData(null, "\"a b\"", null, null, null, null, "config.branch")]
    [InlineData(null, null, "\"latest\"", null, null, null, "config.tag")]
    [InlineData(null, null, "\"main-latest\"", null, null, null, "config.tag")]
    [InlineData(null, null, "\"sha-1\"", null, null, null, "config.tag")]
    [InlineData(null, null, "\"v/1\"", null, null, null, "config.tag")]
    [InlineData(null, null, null, "\"0123456\"", null, null, "config.commit")]
    [InlineData(null, null, null, "\"0123456789ABCDEF0123456789ABCDEF01234567\"", null, null, "config.commit")]
    [InlineData(null, null, null, null, "\"sha256:00\"", null, "config.moduleHash")]
    [InlineData(null, null, null, null, "\"md5:0123456789abcdef0123456789abcdef\"", null, "config.moduleHash")]
    [InlineData(null, null, null, null, null, "\"yesterday\"", "config.built")]
    public void Each_bad_field_is_named(string? name, string? branch, string? tag, string? commit, string? hash, string? built, string field)
    {
        var json = Json(name ?? "\"shop/ledger\"", branch ?? "\"main\"", tag ?? "\"v1.2.0\"", commit ?? $"\"{Commit}\"", hash ?? $"\"{Hash}\"",
            built ?? "\"2026-12-01T12:00:00Z\"");
        Assert.False(CanisterConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out _, out var invalid));
        Assert.Equal(field, invalid!.Field);
    }

    [Fact]
    public void A_branch_of_300_characters_is_refused_and_one_that_fits_a_tag_is_not()
    {
        Assert.False(CanisterConfigReader.TryRead(Encoding.UTF8.GetBytes(Json(branch: $"\"{new string('b', 300)}\"")), out _, out var invalid));
        Assert.Equal("config.branch", invalid!.Field);
        var longest = new string('b', CanisterConfigReader.MaxBranchLength);
        Assert.True(CanisterConfigReader.TryRead(Encoding.UTF8.GetBytes(Json(branch: $"\"{longest}\"")), out _, out _));
        Assert.All(VersionTags.For(longest, "v1", Commit), t => Assert.True(VersionTags.IsOciTag(t), t));
    }

    [Fact]
    public void A_null_tag_and_missing_optional_fields_are_fine()
    {
        var json = $$"""{"name":"a/b","branch":"main","tag":null,"commit":"{{Commit}}","moduleHash":"{{Hash}}"}""";
        Assert.True(CanisterConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out var config, out _));
        Assert.Null(config.Tag);
        Assert.Null(config.Built);
    }
}
