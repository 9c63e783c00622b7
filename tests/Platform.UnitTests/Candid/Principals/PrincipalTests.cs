using Platform.Candid;

namespace Platform.UnitTests.Candid.Principals;

public sealed class PrincipalTests
{
    [Fact]
    public void The_management_canister_is_empty_and_writes_aaaaa_aa()
    {
        Assert.Equal("aaaaa-aa", Principal.ManagementCanister.ToString());
        Assert.Equal(0, Principal.FromText("aaaaa-aa").Length);
        Assert.True(Principal.FromText("aaaaa-aa").IsManagementCanister);
    }

    [Fact]
    public void The_anonymous_principal_is_byte_4_and_writes_2vxsx_fae()
    {
        Assert.Equal("2vxsx-fae", Principal.Anonymous.ToString());
        Assert.Equal([0x04], Principal.FromText("2vxsx-fae").ToArray());
        Assert.True(Principal.FromText("2vxsx-fae").IsAnonymous);
    }

    [Theory]
    [InlineData(0UL, "rwlgt-iiaaa-aaaaa-aaaaa-cai")]
    [InlineData(ulong.MaxValue - 2 * (1UL << 20) + 1, "lxzze-o7777-77777-aaaaa-cai")]
    public void Canister_ids_are_the_big_endian_index_then_1_1(ulong index, string text)
    {
        var principal = Principal.FromCanisterIndex(index);
        Assert.Equal(text, principal.ToString());
        Assert.Equal(principal, Principal.FromText(text));
        Assert.True(Principal.FromText(text).TryGetCanisterIndex(out var back));
        Assert.Equal(index, back);
    }

    [Fact]
    public void Index_2_to_the_64_minus_2_to_the_21_is_the_last_canister_range_start()
    {
        // 2^64 - 2 * 2^20 does not fit a u64 literal in the test data; the value is computed.
        var index = unchecked(0UL - 2 * (1UL << 20));
        Assert.Equal("lxzze-o7777-77777-aaaaa-cai", Principal.FromCanisterIndex(index).ToString());
    }

    [Fact]
    public void A_principal_that_is_not_a_canister_id_has_no_index()
    {
        Assert.False(Principal.Anonymous.TryGetCanisterIndex(out _));
        Assert.False(Principal.ManagementCanister.TryGetCanisterIndex(out _));
        Assert.False(Principal.FromBytes([0, 0, 0, 0, 0, 0, 0, 0, 1, 2]).TryGetCanisterIndex(out _));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("aaaaa-ab", "canonical")]
    [InlineData("rwlgt-iiaab-aaaaa-aaaaa-cai", "checksum")]
    [InlineData("rwlgt-iiaaa-aaaaa-aaaaa-caj", "canonical")]
    [InlineData("2vxsx-fa1", "only a-z")]
    [InlineData("aaa", "too short")]
    [InlineData("2vxsxfae", "canonical")]
    [InlineData("2vx-sxfae", "canonical")]
    public void Bad_text_is_refused_with_the_reason(string text, string reason)
    {
        Assert.False(Principal.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.OrdinalIgnoreCase);
        var exception = Assert.Throws<FormatException>(() => Principal.FromText(text));
        Assert.Contains(reason, exception.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void More_than_29_bytes_is_refused_both_as_bytes_and_as_text()
    {
        Assert.Throws<ArgumentException>(() => Principal.FromBytes(new byte[30]));
        // A 30-byte principal's text, made by hand: the parser must see it is too long.
        var bytes = new byte[30];
        var data = new byte[34];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(data, Crc32.Compute(bytes));
        var encoded = Base32.Encode(data);
        var text = string.Join('-', encoded.Chunk(5).Select(c => new string(c)));
        Assert.False(Principal.TryParse(text, out _, out var error));
        Assert.Contains("29 bytes", error);
    }

    [Fact]
    public void Uppercase_text_is_accepted_and_written_back_in_lowercase()
    {
        Assert.Equal("rwlgt-iiaaa-aaaaa-aaaaa-cai", Principal.FromText("RWLGT-IIAAA-AAAAA-AAAAA-CAI").ToString());
    }

    [Fact]
    public void Every_length_round_trips_through_text()
    {
        var random = new Random(7);
        for (var length = 0; length <= Principal.MaxLength; length++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            var principal = Principal.FromBytes(bytes);
            Assert.Equal(principal, Principal.FromText(principal.ToString()));
        }
    }

    [Fact]
    public void Equality_and_order_follow_the_bytes()
    {
        Assert.Equal(Principal.FromCanisterIndex(5), Principal.FromCanisterIndex(5));
        Assert.True(Principal.FromCanisterIndex(5) == Principal.FromCanisterIndex(5));
        Assert.NotEqual(Principal.FromCanisterIndex(5), Principal.FromCanisterIndex(6));
        Assert.True(Principal.FromCanisterIndex(5).CompareTo(Principal.FromCanisterIndex(6)) < 0);
        Assert.True(Principal.ManagementCanister.CompareTo(Principal.Anonymous) < 0);
        Assert.Equal(Principal.FromCanisterIndex(5).GetHashCode(), Principal.FromText(Principal.FromCanisterIndex(5).ToString()).GetHashCode());
    }

    [Fact]
    public void Sha224_matches_the_standard_vectors()
    {
        Assert.Equal("d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
            Convert.ToHexStringLower(Sha224.Hash([])));
        Assert.Equal("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
            Convert.ToHexStringLower(Sha224.Hash("abc"u8)));
        Assert.Equal("75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
            Convert.ToHexStringLower(Sha224.Hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"u8)));
    }

    [Fact]
    public void A_self_authenticating_principal_is_sha224_of_the_key_then_2()
    {
        byte[] key = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, .. new byte[32]];
        var principal = Principal.SelfAuthenticating(key);
        Assert.Equal(29, principal.Length);
        Assert.Equal(0x02, principal.Bytes[28]);
        Assert.Equal(Sha224.Hash(key), principal.Bytes[..28].ToArray());
    }
}
