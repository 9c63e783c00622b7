using System.Security.Cryptography;
using System.Text;
using Platform.Registry.Oci;

namespace Platform.UnitTests.Registry.Oci;

public sealed class DigestTests
{
    // sha256("abc") and sha512("abc"), the FIPS 180-2 test vectors.
    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private const string AbcSha512 =
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Parses_sha256()
    {
        Assert.True(Digest.TryParse("sha256:" + AbcSha256, out var digest, out var error));
        Assert.Null(error);
        Assert.Equal("sha256", digest.Algorithm);
        Assert.Equal(AbcSha256, digest.Encoded);
        Assert.Equal(HashAlgorithmName.SHA256, digest.HashAlgorithm);
    }

    [Fact]
    public void Parses_sha512()
    {
        Assert.True(Digest.TryParse("sha512:" + AbcSha512, out var digest, out var error));
        Assert.Null(error);
        Assert.Equal("sha512", digest.Algorithm);
        Assert.Equal(AbcSha512, digest.Encoded);
        Assert.Equal(HashAlgorithmName.SHA512, digest.HashAlgorithm);
    }

    [Theory]
    [InlineData("sha256:" + AbcSha256)]
    [InlineData("sha512:" + AbcSha512)]
    public void Formats_back_to_the_parsed_text(string text)
    {
        Assert.True(Digest.TryParse(text, out var digest, out _));
        Assert.Equal(text, digest.ToString());
    }

    [Fact]
    public void Record_equality_is_by_value()
    {
        Assert.True(Digest.TryParse("sha256:" + AbcSha256, out var parsed, out _));
        Assert.Equal(new Digest("sha256", AbcSha256), parsed);
        Assert.NotEqual(new Digest("sha256", EmptySha256), parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256")]
    [InlineData("sha256:")]
    [InlineData(":" + AbcSha256)]
    [InlineData(AbcSha256)]
    [InlineData("SHA256:" + AbcSha256)]          // algorithm components are lowercase
    [InlineData("sha256::" + AbcSha256)]
    [InlineData("sha256 :" + AbcSha256)]
    [InlineData(" sha256:" + AbcSha256)]
    [InlineData("sha256:" + AbcSha256 + " ")]
    [InlineData("sha256:" + AbcSha256 + "\n")]   // '$' must not let a trailing newline through
    [InlineData("sha256-:" + AbcSha256)]          // a separator must be followed by a component
    [InlineData("sha256:ba7816bf/8f01")]
    public void Rejects_text_outside_the_grammar(string? text)
    {
        Assert.False(Digest.TryParse(text, out var digest, out var error));
        Assert.Equal(default, digest);
        Assert.Equal("not of the form algorithm:encoded", error);
    }

    [Fact]
    public void Rejects_text_longer_than_200_characters_as_outside_the_grammar()
    {
        var text = "sha256:" + new string('a', 194); // 201 characters
        Assert.False(Digest.TryParse(text, out _, out var error));
        Assert.Equal("not of the form algorithm:encoded", error);
    }

    [Theory]
    [InlineData("md5:900150983cd24fb0d6963f7d28e17f72", "md5")]
    [InlineData("sha384:cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7", "sha384")]
    [InlineData("blake3:6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85", "blake3")]
    [InlineData("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", "multihash+base58")]
    [InlineData("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", "sha256+b64u")]
    public void Rejects_algorithms_other_than_sha256_and_sha512(string text, string algorithm)
    {
        // Grammatical, but not an algorithm the registry can verify.
        Assert.False(Digest.TryParse(text, out var digest, out var error));
        Assert.Equal(default, digest);
        Assert.Equal($"unsupported digest algorithm '{algorithm}' (sha256 and sha512 are)", error);
    }

    [Theory]
    [InlineData("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", "sha256", 64)]   // 63
    [InlineData("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0", "sha256", 64)] // 65
    [InlineData("sha256:" + AbcSha512, "sha256", 64)]
    [InlineData("sha512:" + AbcSha256, "sha512", 128)]
    [InlineData("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", "sha256", 64)] // upper-case hex
    [InlineData("sha256:Ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256", 64)]
    [InlineData("sha256:ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256", 64)] // not hex
    [InlineData("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2001=ad", "sha256", 64)]
    [InlineData("sha512:DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A2192992A274FC1A836BA3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F", "sha512", 128)]
    public void Rejects_wrong_length_or_anything_but_lowercase_hex(string text, string algorithm, int length)
    {
        Assert.False(Digest.TryParse(text, out var digest, out var error));
        Assert.Equal(default, digest);
        Assert.Equal($"a {algorithm} digest is {length} lowercase hex characters", error);
    }

    [Fact]
    public void Compute_defaults_to_sha256()
    {
        var bytes = Encoding.ASCII.GetBytes("abc");
        Assert.Equal(new Digest("sha256", AbcSha256), Digest.Compute(bytes));
        Assert.Equal(new Digest("sha256", AbcSha256), Digest.Compute(bytes.AsSpan()));
        Assert.Equal("sha256:" + EmptySha256, Digest.Compute([]).ToString());
    }

    [Fact]
    public void Compute_sha512()
    {
        var bytes = Encoding.ASCII.GetBytes("abc");
        Assert.Equal(new Digest("sha512", AbcSha512), Digest.Compute(bytes, Digest.Sha512));
        Assert.Equal(new Digest("sha512", AbcSha512), Digest.Compute(bytes.AsSpan(), "sha512"));
    }

    [Theory]
    [InlineData("md5")]
    [InlineData("SHA256")]
    [InlineData("")]
    public void Compute_refuses_other_algorithms(string algorithm)
    {
        var e = Assert.Throws<ArgumentException>(() => Digest.Compute(Encoding.ASCII.GetBytes("abc"), algorithm));
        Assert.Equal("algorithm", e.ParamName);
    }

    [Fact]
    public void A_computed_digest_parses_back_to_itself()
    {
        var computed = Digest.Compute(Encoding.UTF8.GetBytes("{\"schemaVersion\":2}"), Digest.Sha512);
        Assert.True(Digest.TryParse(computed.ToString(), out var parsed, out _));
        Assert.Equal(computed, parsed);
    }

    [Theory]
    [InlineData("sha256", AbcSha256)]
    [InlineData("sha512", AbcSha512)]
    public void FromHash_reads_an_incremental_hash_and_resets_it(string algorithm, string expected)
    {
        using var hash = IncrementalHash.CreateHash(algorithm == "sha512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.ASCII.GetBytes("a"));
        hash.AppendData(Encoding.ASCII.GetBytes("bc"));
        Assert.Equal(new Digest(algorithm, expected), Digest.FromHash(algorithm, hash));

        hash.AppendData(Encoding.ASCII.GetBytes("abc"));
        Assert.Equal(expected, Digest.FromHash(algorithm, hash).Encoded);
    }
}
