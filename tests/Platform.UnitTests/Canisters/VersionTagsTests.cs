using Platform.Canisters;

namespace Platform.UnitTests.Canisters;

public sealed class VersionTagsTests
{
    [Theory]
    [InlineData("main", "main")]
    [InlineData("feature/login", "feature-login")]
    [InlineData("release/1.2", "release-1.2")]
    [InlineData(".hidden", "_hidden")]
    [InlineData("user@fix+x", "user-fix-x")]
    [InlineData("Ünicode", "_nicode")]
    [InlineData("-x", "_x")]
    public void Branches_become_tag_safe(string branch, string tag)
    {
        Assert.Equal(tag, VersionTags.TagSafe(branch));
        Assert.True(VersionTags.IsOciTag(tag + VersionTags.LatestSuffix));
    }

    [Fact]
    public void A_version_is_tagged_by_branch_head_tag_and_commit()
    {
        Assert.Equal(["feature-x-latest", "v1.2.0", "sha-abc"], VersionTags.For("feature/x", "v1.2.0", "abc"));
        Assert.Equal(["main-latest", "sha-abc"], VersionTags.For("main", null, "abc"));
    }

    [Theory]
    [InlineData("", CanisterApiKind.Module, false, null, null)]
    [InlineData("shop/ledger", CanisterApiKind.Module, true, "shop/ledger", null)]
    [InlineData("shop/ledger/versions", CanisterApiKind.Versions, true, "shop/ledger", null)]
    [InlineData("shop/ledger/resolve", CanisterApiKind.Resolve, true, "shop/ledger", null)]
    [InlineData("shop/ledger/versions/sha256:ab/wasm", CanisterApiKind.Wasm, true, "shop/ledger", "sha256:ab")]
    [InlineData("shop/ledger/versions/sha256:ab/candid", CanisterApiKind.Candid, true, "shop/ledger", "sha256:ab")]
    [InlineData("a/versions/b/versions/sha256:ab/wasm", CanisterApiKind.Wasm, true, "a/versions/b", "sha256:ab")]
    [InlineData("shop/ledger/versions/v1/wasm", CanisterApiKind.Module, true, "shop/ledger/versions/v1/wasm", null)]
    public void Canister_paths_split_from_their_end(string path, CanisterApiKind kind, bool ok, string? name, string? digest)
    {
        Assert.Equal(ok, CanisterApiPath.TryParse(path, out var parsed));
        if (!ok)
            return;
        Assert.Equal(new CanisterApiPath(name!, kind, digest), parsed);
    }
}
