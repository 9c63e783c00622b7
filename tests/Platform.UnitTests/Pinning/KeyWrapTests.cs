using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Platform.Pinning.Keys;

namespace Platform.UnitTests.Pinning;

public sealed class KeyWrapTests
{
    [Fact]
    public void A_wrapped_key_unwraps_only_with_its_key_and_its_context()
    {
        var kek = RandomNumberGenerator.GetBytes(32);
        var key = RandomNumberGenerator.GetBytes(32);
        var context = KeyWrap.DataKeyContext("sha256:abc", "team", 1);
        var wrapped = KeyWrap.Wrap(kek, key, context);

        Assert.Equal(key, KeyWrap.Unwrap(kek, wrapped, context));
        Assert.DoesNotContain(Convert.ToHexString(key), Convert.ToHexString(wrapped));
        Assert.Throws<CryptographicException>(() => KeyWrap.Unwrap(RandomNumberGenerator.GetBytes(32), wrapped, context));
        // Copied to another blob's, namespace's or version's row, it does not unwrap.
        Assert.Throws<CryptographicException>(() => KeyWrap.Unwrap(kek, wrapped, KeyWrap.DataKeyContext("sha256:abd", "team", 1)));
        Assert.Throws<CryptographicException>(() => KeyWrap.Unwrap(kek, wrapped, KeyWrap.DataKeyContext("sha256:abc", "other", 1)));
        Assert.Throws<CryptographicException>(() => KeyWrap.Unwrap(kek, wrapped, KeyWrap.DataKeyContext("sha256:abc", "team", 2)));
        wrapped[^1] ^= 1;
        Assert.Throws<CryptographicException>(() => KeyWrap.Unwrap(kek, wrapped, context));
    }

    [Fact]
    public void Wrapping_twice_gives_different_bytes()
    {
        var kek = RandomNumberGenerator.GetBytes(32);
        var key = RandomNumberGenerator.GetBytes(32);
        Assert.NotEqual(KeyWrap.Wrap(kek, key, "c"), KeyWrap.Wrap(kek, key, "c"));
    }

    [Fact]
    public void The_master_key_is_read_from_configuration_in_base64_or_base64url_and_must_be_32_bytes()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var url = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Assert.Equal(bytes, MasterKey.FromConfiguration(Config(MasterKey.Setting, Convert.ToBase64String(bytes))).Key);
        Assert.Equal(bytes, MasterKey.FromConfiguration(Config(MasterKey.Setting, url)).Key);
        Assert.Throws<InvalidOperationException>(() => MasterKey.FromConfiguration(Config(MasterKey.Setting, Convert.ToBase64String(new byte[16]))));
        var missing = Assert.Throws<InvalidOperationException>(() => MasterKey.FromConfiguration(Config("Other", "x")));
        Assert.Contains(MasterKey.Setting, missing.Message);
    }

    [Fact]
    public void A_key_file_is_created_once_only_when_asked()
    {
        var path = Path.Combine(Path.GetTempPath(), $"master-{Guid.NewGuid():N}", "key");
        try
        {
            Assert.Throws<InvalidOperationException>(() => MasterKey.FromConfiguration(Config(MasterKey.FileSetting, path)));
            var created = MasterKey.FromConfiguration(Config(MasterKey.FileSetting, path, MasterKey.CreateSetting, "true")).Key;
            Assert.Equal(created, MasterKey.FromConfiguration(Config(MasterKey.FileSetting, path)).Key);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static IConfiguration Config(params string[] pairs)
    {
        var values = new Dictionary<string, string?>();
        for (var i = 0; i < pairs.Length; i += 2)
            values[pairs[i]] = pairs[i + 1];
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }
}
