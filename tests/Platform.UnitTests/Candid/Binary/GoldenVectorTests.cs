using System.Numerics;
using Platform.Candid;

namespace Platform.UnitTests.Candid.Binary;

/// <summary>Byte strings from the Candid specification's examples and the reference implementation's test suite.</summary>
public sealed class GoldenVectorTests
{
    public static TheoryData<string, CandidType, CandidValue> Vectors => new()
    {
        { "4449444c0001 7d 2a", CandidType.Nat, CandidValue.Nat(42) },
        { "4449444c0001 7d 00", CandidType.Nat, CandidValue.Nat(0) },
        { "4449444c0001 7d e58e26", CandidType.Nat, CandidValue.Nat(624485) },
        { "4449444c0001 7d 808080808080808080 01", CandidType.Nat, CandidValue.Nat(BigInteger.Pow(2, 63)) },
        { "4449444c0001 7c 2a", CandidType.Int, CandidValue.Int(42) },
        { "4449444c0001 7c 7f", CandidType.Int, CandidValue.Int(-1) },
        { "4449444c0001 7c c0bb78", CandidType.Int, CandidValue.Int(-123456) },
        { "4449444c0001 7c 8001", CandidType.Int, CandidValue.Int(128) },
        { "4449444c0001 7c 807f", CandidType.Int, CandidValue.Int(-128) },
        { "4449444c0001 7f", CandidType.Null, CandidValue.Null },
        { "4449444c0001 7e 01", CandidType.Bool, CandidValue.Bool(true) },
        { "4449444c0001 7e 00", CandidType.Bool, CandidValue.Bool(false) },
        { "4449444c0001 7b ff", CandidType.Nat8, new Nat8Value(255) },
        { "4449444c0001 7a 3412", CandidType.Nat16, new Nat16Value(0x1234) },
        { "4449444c0001 79 78563412", CandidType.Nat32, new Nat32Value(0x12345678) },
        { "4449444c0001 78 efcdab8967452301", CandidType.Nat64, new Nat64Value(0x0123456789abcdef) },
        { "4449444c0001 77 80", CandidType.Int8, new Int8Value(-128) },
        { "4449444c0001 76 feff", CandidType.Int16, new Int16Value(-2) },
        { "4449444c0001 75 ffffffff", CandidType.Int32, new Int32Value(-1) },
        { "4449444c0001 74 0000000000000080", CandidType.Int64, new Int64Value(long.MinValue) },
        { "4449444c0001 73 0000c03f", CandidType.Float32, new Float32Value(1.5f) },
        { "4449444c0001 72 000000000000f83f", CandidType.Float64, new Float64Value(1.5) },
        { "4449444c0001 71 03 414243", CandidType.Text, CandidValue.Text("ABC") },
        { "4449444c0001 71 06 e29883f09f9880".Replace("06", "07"), CandidType.Text, CandidValue.Text("\u2603\U0001F600") },
        { "4449444c0001 70", CandidType.Reserved, CandidValue.Reserved },
        { "4449444c0001 68 01 00", CandidType.Principal, CandidValue.Principal(Principal.ManagementCanister) },
        { "4449444c0001 68 01 01 04", CandidType.Principal, CandidValue.Principal(Principal.Anonymous) },
        { "4449444c016e7c 0100 00", CandidType.Opt(CandidType.Int), CandidValue.None },
        { "4449444c016e7c 0100 01 2a", CandidType.Opt(CandidType.Int), CandidValue.Some(CandidValue.Int(42)) },
        { "4449444c016d7b 0100 03 deadbe", CandidType.Blob, CandidValue.Blob([0xde, 0xad, 0xbe]) },
        { "4449444c016d7c 0100 02 01 7f", CandidType.Vec(CandidType.Int), CandidValue.Vec(CandidValue.Int(1), CandidValue.Int(-1)) },
        { "4449444c016c00 0100", CandidType.Record(Array.Empty<CandidField>()), new RecordValue([]) },
        // record { 1 : int; 2 : bool } with the values 42 and true.
        { "4449444c016c02 017c 027e 0100 2a 01",
            CandidType.Record(new CandidField(1, CandidType.Int), new CandidField(2, CandidType.Bool)),
            new RecordValue([new(1, CandidValue.Int(42)), new(2, CandidValue.Bool(true))]) },
        // record { foo : int; bar : bool }: "bar" hashes to 4895187, "foo" to 5097222.
        { "4449444c016c02 d3e3aa027e 868eb7027c 0100 01 2a",
            CandidType.Record(("foo", CandidType.Int), ("bar", CandidType.Bool)),
            CandidValue.Record(("foo", CandidValue.Int(42)), ("bar", CandidValue.Bool(true))) },
        // variant { ok : text; err : text } holding ok = "good": "ok" (24860) sorts before "err" (5048165), so ok is case 0.
        { "4449444c016b02 9cc20171 e58eb40271 0100 00 04676f6f64",
            CandidType.Variant(("ok", CandidType.Text), ("err", CandidType.Text)),
            CandidValue.Variant("ok", CandidValue.Text("good")) },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encodes_to_the_golden_bytes(string hex, CandidType type, CandidValue value) =>
        Assert.Equal(Hex(hex), Convert.ToHexStringLower(CandidBinary.Encode(type, value)));

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decodes_the_golden_bytes(string hex, CandidType type, CandidValue value)
    {
        var decoded = CandidBinary.Decode(Convert.FromHexString(Hex(hex)));
        Assert.Single(decoded.Values);
        Assert.Equal(value, decoded[0]);
        Assert.True(CandidType.StructurallyEquals(type, decoded.Types[0]), $"{type} vs {decoded.Types[0]}");
        Assert.Equal(value, CandidBinary.Decode(Convert.FromHexString(Hex(hex)), type));
    }

    [Theory]
    [InlineData("4449444c00017d8000", "(0 : nat)")]
    [InlineData("4449444c00017dff00", "(127 : nat)")]
    [InlineData("4449444c00017c8000", "(0)")]
    [InlineData("4449444c00017cff7f", "(-1)")]
    [InlineData("4449444c00017cff00", "(127)")]
    [InlineData("4449444c00017c807f", "(-128)")]
    [InlineData("4449444c0001 71 8600 414243444546", "(\"ABCDEF\")")]
    [InlineData("4449444c 8000 00", "()")]
    [InlineData("4449444c00017d 808098f4e9b5ca6a", "(60000000000000000 : nat)")]
    [InlineData("4449444c00017c8080e88b96cab5957f", "(-60000000000000000)")]
    public void Overlong_and_big_leb128_numbers_and_lengths_are_read(string hex, string expected)
    {
        Assert.Equal(expected, CandidText.Print(CandidBinary.Decode(Convert.FromHexString(Hex(hex)))));
    }

    [Fact]
    public void A_list_reads_the_same_whatever_the_order_of_its_type_table()
    {
        var list = CandidText.ParseService("type List = opt record { head : int; tail : List };").Types["List"];
        // opt first, then the record; and the record first, then the opt.
        var optFirst = CandidBinary.Decode(Convert.FromHexString("4449444c026e016c02a0d2aca8047c90eddae7040001000101010200"), list);
        var recordFirst = CandidBinary.Decode(Convert.FromHexString("4449444c026c02a0d2aca8047c90eddae704016e0001010101010200"), list);
        Assert.Equal(optFirst, recordFirst);
        Assert.Equal("opt record { head = 1; tail = opt record { head = 2; tail = null } }", optFirst.ToString());
    }

    [Fact]
    public void Field_ids_are_the_spec_hash_of_the_name()
    {
        Assert.Equal(4895187u, CandidField.IdOf("bar"));
        Assert.Equal(5097222u, CandidField.IdOf("foo"));
        Assert.Equal(24860u, CandidField.IdOf("ok"));
        Assert.Equal(5048165u, CandidField.IdOf("err"));
        Assert.Equal(0u, CandidField.IdOf(""));
    }

    [Fact]
    public void No_arguments_is_didl_0_0()
    {
        Assert.Equal("4449444c0000", Convert.ToHexStringLower(CandidBinary.Encode(CandidArgs.Empty)));
        Assert.Empty(CandidBinary.Decode(Convert.FromHexString("4449444c0000")).Values);
    }

    [Fact]
    public void Two_arguments_of_one_shape_share_a_type_table_entry()
    {
        var bytes = CandidBinary.Encode([CandidType.Opt(CandidType.Nat), CandidType.Opt(CandidType.Nat)],
            [CandidValue.None, CandidValue.Some(CandidValue.Nat(1))]);
        Assert.Equal("4449444c016e7d02000000" + "0101", Convert.ToHexStringLower(bytes));
    }

    private static string Hex(string spaced) => spaced.Replace(" ", "");
}
