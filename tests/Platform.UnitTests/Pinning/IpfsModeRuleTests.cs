using Platform.Pinning.Namespaces;
using Platform.Pinning.Pins;

namespace Platform.UnitTests.Pinning;

public sealed class IpfsModeRuleTests
{
    [Theory]
    [InlineData(true, null, "public")]
    [InlineData(false, null, "encrypted")]
    [InlineData(false, "public", "public")]
    [InlineData(true, "encrypted", "encrypted")]
    [InlineData(true, "off", "off")]
    [InlineData(false, " OFF ", "off")]
    [InlineData(true, "something-new", "encrypted")]
    public void A_namespace_mode_defaults_by_visibility_and_an_unknown_one_is_encrypted(bool isPublic, string? mode, string expected) =>
        Assert.Equal(expected, IpfsModes.Effective(isPublic, mode).Name());

    [Fact]
    public void A_shared_blob_is_public_if_any_namespace_is_public_else_encrypted_if_any_is_else_off()
    {
        Assert.Null(IpfsModes.ForShared([]));
        Assert.Equal(IpfsMode.Off, IpfsModes.ForShared([IpfsMode.Off, IpfsMode.Off]));
        Assert.Equal(IpfsMode.Encrypted, IpfsModes.ForShared([IpfsMode.Off, IpfsMode.Encrypted]));
        Assert.Equal(IpfsMode.Public, IpfsModes.ForShared([IpfsMode.Encrypted, IpfsMode.Public, IpfsMode.Off]));
    }

    [Fact]
    public void The_key_of_a_shared_encrypted_blob_is_the_first_encrypted_namespace_by_name()
    {
        var target = PinPolicy.Decide(new Dictionary<string, IpfsMode>
        {
            ["zeta"] = IpfsMode.Encrypted, ["alpha"] = IpfsMode.Off, ["beta"] = IpfsMode.Encrypted,
        });
        Assert.Equal(new PinTarget(IpfsMode.Encrypted, "beta"), target);
        Assert.Equal(new PinTarget(IpfsMode.Public, null), PinPolicy.Decide(new Dictionary<string, IpfsMode> { ["a"] = IpfsMode.Public, ["b"] = IpfsMode.Encrypted }));
        Assert.Null(PinPolicy.Decide(new Dictionary<string, IpfsMode>()));
    }

    [Fact]
    public void Records_pinned_before_modes_existed_are_public() =>
        Assert.Equal(IpfsMode.Public, IpfsModes.OfRecord(null));
}
