using Platform.Candid;

namespace Platform.UnitTests.Candid.Binary;

/// <summary>Every malformed message is one CandidDecodeException with a reason; never an index or memory error.</summary>
public sealed class MalformedInputTests
{
    [Theory]
    [InlineData("", "DIDL")]
    [InlineData("4449444d0000", "DIDL")]
    [InlineData("4449444c", "ends")]
    [InlineData("4449444c00", "ends")]
    [InlineData("4449444c0001", "more than the 0 bytes left")]
    [InlineData("4449444c00017d", "ends inside a LEB128")]
    [InlineData("4449444c00017d80", "ends inside a LEB128")]
    [InlineData("4449444c0001 7c ff", "ends inside a LEB128")]
    [InlineData("4449444c0001 79 0000", "ends inside a nat32")]
    [InlineData("4449444c ffffffffffffffffff7f", "does not fit in 64 bits")]
    [InlineData("4449444c 8080808080808080808001", "does not fit in 64 bits")]
    [InlineData("4449444c 05 6e7c", "more than the")]
    [InlineData("4449444c 01 6e05 0100 00", "outside the type table")]
    [InlineData("4449444c 00 01 05", "outside the type table")]
    [InlineData("4449444c 01 6c02 007c 007c 0100 0101", "appears twice")]
    [InlineData("4449444c 01 6c02 017c 007c 0100 0101", "not in increasing order")]
    [InlineData("4449444c 01 6b02 017f 007f 0100 00", "not in increasing order")]
    [InlineData("4449444c 01 6cffffffffffffffffff7f", "does not fit in 64 bits")]
    [InlineData("4449444c 01 6c01 8080808010 7c 0100 00", "does not fit in 32 bits")]
    [InlineData("4449444c 01 7c 0100 00", "primitive type")]
    [InlineData("4449444c 01 67 05 00", "future type length 5 is more than")]
    [InlineData("4449444c 01 67 00 0100 03 00 4142", "ends inside a future value")]
    [InlineData("4449444c 01 67 00 0100 01 01 41", "future types with references")]
    [InlineData("4449444c 00 01 67", "Unknown type opcode -25")]
    [InlineData("4449444c 00 01 6e", "needs a type table entry")]
    [InlineData("4449444c 0001 71 01 ff", "not valid UTF-8")]
    [InlineData("4449444c 0001 71 02 c3", "more than the 1 bytes left")]
    [InlineData("4449444c 0001 71 03 eda080", "not valid UTF-8")]
    [InlineData("4449444c 0001 7e 02", "A bool is 0 or 1, not 2")]
    [InlineData("4449444c 0001 7d 2a 00", "1 trailing byte")]
    [InlineData("4449444c 0000 00", "1 trailing byte")]
    [InlineData("4449444c 01 6e7c 0100 02", "An opt starts with 0 or 1")]
    [InlineData("4449444c 01 6b01 007f 0100 05", "Variant index 5")]
    [InlineData("4449444c 01 6b00 0100 00", "Variant index 0")]
    [InlineData("4449444c 0001 6f", "empty cannot exist")]
    [InlineData("4449444c 0001 68 00", "Opaque principal")]
    [InlineData("4449444c 0001 68 02", "starts with 1, not 2")]
    [InlineData("4449444c 0001 68 01 1e 000000000000000000000000000000000000000000000000000000000000", "at most 29 bytes")]
    [InlineData("4449444c 01 6d7c 0100 80808080808080808002", "does not fit in 64 bits")]
    [InlineData("4449444c 01 6d7c 0100 8080808080808010", "cannot fit in the")]
    [InlineData("4449444c 01 6d7b 0100 ffffffff0f 00", "more than the")]
    [InlineData("4449444c 0001 71 ffffffff0f 41", "more than the")]
    [InlineData("4449444c 01 6d7f 0100 ffffffff0f", "over the limit")]
    [InlineData("4449444c 01 6d70 0100 8180c000", "over the limit")]
    [InlineData("4449444c 01 6a000001 09 0100", "Unknown func annotation 9")]
    [InlineData("4449444c 02 6a000000 6902 0162 00 0161 00 0101", "not sorted and unique")]
    [InlineData("4449444c 02 6a000000 6901 0161 7d 0101", "does not refer to a func type")]
    [InlineData("4449444c 01 6a000000 0100 00", "Opaque func")]
    public void Refuses_with_a_reason(string hex, string reason)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", ""));
        var error = Assert.Throws<CandidDecodeException>(() => CandidBinary.Decode(bytes));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_self_nesting_value_stops_at_the_depth_limit_instead_of_the_stack()
    {
        // type 0 = opt 0, and a value of 5000 nested opts.
        var bytes = Convert.FromHexString("4449444c016e000100" + string.Concat(Enumerable.Repeat("01", 5000)) + "00");
        var error = Assert.Throws<CandidDecodeException>(() => CandidBinary.Decode(bytes));
        Assert.Contains("deeper than", error.Message);
    }

    [Fact]
    public void Wide_records_of_nulls_in_a_long_vec_are_stopped_by_the_zero_size_limit()
    {
        // vec record { 0 : null; ... 999 : null } with 1000 elements: a million nulls from a few kilobytes.
        var table = new List<byte> { 0x02, 0x6d, 0x01, 0x6c };
        table.AddRange(Leb(1000));
        for (var id = 0; id < 1000; id++) { table.AddRange(Leb((uint)id)); table.Add(0x7f); }
        byte[] message = [.. "DIDL"u8, .. table, 0x01, 0x00, .. Leb(1100)];
        var error = Assert.Throws<CandidDecodeException>(() => CandidBinary.Decode(message));
        Assert.Contains("values that take no bytes", error.Message);
        Assert.Contains("values that take no bytes", Assert.Throws<CandidDecodeException>(() =>
            CandidBinary.Decode(message, [CandidType.Reserved])).Message);
    }

    [Fact]
    public void A_type_table_nested_a_hundred_thousand_deep_is_handled_without_running_out_of_stack()
    {
        const int depth = 100_000;
        // Entry i is opt (i + 1), the last one opt nat; then, entry i is record { 0 : i + 1 } under a vec.
        var table = new List<byte>();
        for (var i = 0; i < depth; i++) { table.Add(0x6e); table.AddRange(SLeb(i + 1 < depth ? i + 1 : -3)); }
        for (var i = 0; i < depth; i++)
        {
            table.AddRange([0x6c, 0x01, 0x00]);
            table.AddRange(SLeb(i + 1 < depth ? depth + i + 1 : -3));
        }
        table.Add(0x6d);
        table.AddRange(SLeb(depth));
        byte[] message = [.. "DIDL"u8, .. Leb(2 * depth + 1), .. table, 0x02, 0x00, .. SLeb(2 * depth), 0x00, 0x00];

        var wire = CandidBinary.Decode(message);
        Assert.Equal([CandidValue.None, CandidValue.Vec()], wire.Values);
        var error = Assert.Throws<CandidDecodeException>(() => CandidBinary.Decode(message, [CandidType.Nat]));
        Assert.Contains("...", error.Message);
        Assert.False(CandidType.StructurallyEquals(wire.Types[0], CandidType.Opt(CandidType.Nat)));
        Assert.False(wire.Types[0].IsSubtypeOf(CandidType.Nat));
        Assert.Throws<ArgumentException>(() => CandidBinary.Encode(wire));
        Assert.True(CandidBinary.TryReadCanisterId(message, out _) is false);
    }

    [Fact]
    public void Text_nested_too_deep_is_a_parse_error()
    {
        var type = string.Concat(Enumerable.Repeat("opt ", 100_000)) + "nat";
        Assert.Contains("nest deeper", Assert.Throws<CandidParseException>(() => CandidText.ParseType(type)).Message);
        var value = "(" + string.Concat(Enumerable.Repeat("opt ", 100_000)) + "1)";
        Assert.Contains("nest deeper", Assert.Throws<CandidParseException>(() => CandidText.ParseArgs(value)).Message);
    }

    private static byte[] SLeb(int value)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            var done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
            bytes.Add(done ? b : (byte)(b | 0x80));
            if (done) return [.. bytes];
        }
    }

    private static byte[] Leb(int value) => Leb((uint)value);

    private static byte[] Leb(uint value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        } while (value != 0);
        return [.. bytes];
    }

    [Fact]
    public void A_record_that_contains_itself_has_no_finite_value_and_runs_out_of_input()
    {
        // type 0 = record { 0 : 0 }: decoding recurses without reading a byte, so only the depth limit stops it.
        var error = Assert.Throws<CandidDecodeException>(() => CandidBinary.Decode(Convert.FromHexString("4449444c016c0100000100")));
        Assert.Contains("deeper than", error.Message);
    }

    [Fact]
    public void Every_prefix_of_a_valid_message_is_refused_cleanly()
    {
        var random = new RandomCandid(99);
        for (var round = 0; round < 40; round++)
        {
            var type = random.Type(3);
            var bytes = CandidBinary.Encode(type, random.Value(type));
            for (var length = 0; length < bytes.Length; length++)
            {
                var prefix = bytes[..length];
                Assert.Throws<CandidDecodeException>(() => CandidBinary.Decode(prefix));
            }
        }
    }

    [Fact]
    public void Random_corruption_decodes_or_is_refused_but_never_crashes()
    {
        var random = new RandomCandid(7);
        var noise = new Random(7);
        var refused = 0;
        for (var round = 0; round < 3000; round++)
        {
            var type = random.Type(3);
            var bytes = CandidBinary.Encode(type, random.Value(type));
            for (var flips = noise.Next(1, 4); flips > 0; flips--)
                bytes[noise.Next(bytes.Length)] = (byte)noise.Next(256);
            try
            {
                var decoded = CandidBinary.Decode(bytes);
                // Whatever decodes must encode again and decode to the same values.
                Assert.Equal(decoded.Values, CandidBinary.Decode(CandidBinary.Encode(decoded)).Values);
            }
            catch (CandidDecodeException)
            {
                refused++;
            }
        }
        Assert.InRange(refused, 1, 3000);
    }

    [Fact]
    public void Values_that_do_not_fit_the_expected_types_are_refused_with_the_path()
    {
        var bytes = CandidBinary.Encode(CandidType.Record(("owner", CandidType.Text)), CandidValue.Record(("owner", CandidValue.Text("x"))));
        var error = Assert.Throws<CandidDecodeException>(() =>
            CandidBinary.Decode(bytes, [CandidType.Record(("owner", CandidType.Principal))]));
        Assert.Contains("Expected principal, the message has text", error.Message);
        Assert.Contains("argument 0, owner", error.Message);

        error = Assert.Throws<CandidDecodeException>(() =>
            CandidBinary.Decode(bytes, [CandidType.Record(("owner", CandidType.Text), ("amount", CandidType.Nat))]));
        Assert.Contains("field amount is missing", error.Message);

        error = Assert.Throws<CandidDecodeException>(() => CandidBinary.Decode(bytes, [bytes.Length > 0 ? CandidType.Record(("owner", CandidType.Text)) : null!, CandidType.Nat]));
        Assert.Contains("argument 1 of type nat is missing", error.Message);
    }

    [Fact]
    public void A_failure_recovered_under_an_opt_leaves_no_trace_in_a_later_error()
    {
        var bytes = CandidBinary.Encode(CandidText.ParseArgs("(record { a = opt variant { y }; b = \"text\" })"));
        var error = Assert.Throws<CandidDecodeException>(() =>
            CandidBinary.Decode(bytes, CandidText.ParseTypes("(record { a : opt variant { x }; b : nat })")));
        Assert.EndsWith("(at argument 0, b)", error.Message);
    }

    [Fact]
    public void The_encoder_refuses_values_that_do_not_fit()
    {
        Assert.Throws<ArgumentException>(() => CandidBinary.Encode(CandidType.Nat8, CandidValue.Nat(256)));
        Assert.Throws<ArgumentException>(() => CandidBinary.Encode(CandidType.Nat, CandidValue.Int(-1)));
        Assert.Throws<ArgumentException>(() => CandidBinary.Encode(CandidType.Text, CandidValue.Nat(1)));
        Assert.Throws<ArgumentException>(() => CandidBinary.Encode(CandidType.Text, CandidValue.Text("\ud800")));
        Assert.Throws<ArgumentException>(() => CandidBinary.Encode(CandidType.Empty, CandidValue.Null));
        var error = Assert.Throws<ArgumentException>(() => CandidBinary.Encode(
            CandidType.Record(("a", CandidType.Nat)), CandidValue.Record(("a", CandidValue.Nat(1)), ("b", CandidValue.Nat(2)))));
        Assert.Contains("no field b", error.Message);
        error = Assert.Throws<ArgumentException>(() => CandidBinary.Encode(CandidType.Record(("a", CandidType.Nat)), new RecordValue([])));
        Assert.Contains("field a is missing", error.Message);
        error = Assert.Throws<ArgumentException>(() => CandidBinary.Encode(CandidType.Enum("keep"), CandidValue.Variant("replace")));
        Assert.Contains("no case replace", error.Message);
    }
}
