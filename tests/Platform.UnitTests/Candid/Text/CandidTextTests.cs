using System.Numerics;
using Platform.Candid;

namespace Platform.UnitTests.Candid.Text;

public sealed class CandidTextTests
{
    [Fact]
    public void Untyped_42_is_an_int_and_annotated_42_a_nat()
    {
        Assert.Equal("4449444c00017c2a", Hex(CandidText.ParseArgs("(42)")));
        Assert.Equal("4449444c00017d2a", Hex(CandidText.ParseArgs("(42 : nat)")));
        Assert.Equal("4449444c00017d2a", Hex(CandidText.ParseArgs("(42)", [CandidType.Nat])));
    }

    [Fact]
    public void Parses_the_brief_examples()
    {
        var args = CandidText.ParseArgs("""(record { owner = principal "aaaaa-aa"; start = 41 : nat })""");
        var record = args[0].AsRecord();
        Assert.Equal(Principal.ManagementCanister, record["owner"].AsPrincipal());
        Assert.Equal(new NatValue(41), record["start"]);

        var upgrade = CandidText.ParseArgs("(variant { upgrade = opt record { wasm_memory_persistence = opt variant { keep } } })")[0].AsVariant();
        Assert.True(upgrade.Is("upgrade"));
        Assert.True(upgrade.Value.AsOpt()!.AsRecord()["wasm_memory_persistence"].AsOpt()!.AsVariant().Is("keep"));

        Assert.Equal([0xde, 0xad], CandidText.ParseArgs("""(blob "\de\ad")""")[0].AsBlob());
        Assert.Equal(CandidValue.Vec(CandidValue.Int(1), CandidValue.Int(2)), CandidText.ParseArgs("(vec { 1; 2 })")[0]);
        Assert.Equal(CandidValue.Some(CandidValue.Null), CandidText.ParseArgs("(opt null)")[0]);
        Assert.Equal(CandidValue.Tuple(CandidValue.Int(1), CandidValue.Int(2)), CandidText.ParseArgs("(record { 1; 2 })")[0]);
        Assert.Equal(new RecordValue([new(0, CandidValue.Text("a")), new(7, CandidValue.Bool(true))]),
            CandidText.ParseArgs("""(record { 0 = "a"; 7 = true })""")[0]);
    }

    [Theory]
    [InlineData("(1_000_000 : nat)", "1000000")]
    [InlineData("(0xff : nat)", "255")]
    [InlineData("(0x_ff_ff : nat)", "65535")]
    [InlineData("(+5 : int)", "5")]
    [InlineData("(-5 : int)", "-5")]
    [InlineData("(340282366920938463463374607431768211456 : nat)", "340282366920938463463374607431768211456")]
    public void Numbers_take_underscores_hex_and_signs(string text, string expected) =>
        Assert.Equal(BigInteger.Parse(expected), CandidText.ParseArgs(text)[0].AsInt());

    [Fact]
    public void Text_escapes_are_decoded()
    {
        var text = CandidText.ParseArgs("""("a\n\t\"\\\'\u{1F600}\u{e9}\41é")""")[0].AsText();
        Assert.Equal("a\n\t\"\\'\U0001F600\u00e9Aé", text);
    }

    [Fact]
    public void Text_with_bytes_that_are_not_utf8_is_refused_but_a_blob_takes_them()
    {
        var error = Assert.Throws<CandidParseException>(() => CandidText.ParseArgs("""("\ff")"""));
        Assert.Contains("UTF-8", error.Message);
        Assert.Equal([0xff], CandidText.ParseArgs("""(blob "\ff")""")[0].AsBlob());
    }

    [Fact]
    public void Expected_types_turn_literals_into_their_kinds()
    {
        var types = CandidText.ParseTypes("(record { a : nat8; b : opt nat64; c : vec nat8; d : float32; e : int16; f : opt text }, opt nat)");
        var args = CandidText.ParseArgs("""(record { a = 7; b = opt 9; c = vec { 1; 2 }; d = 1; e = -3 })""", types);
        var record = args[0].AsRecord();
        Assert.Equal(new Nat8Value(7), record["a"]);
        Assert.Equal(CandidValue.Some(new Nat64Value(9)), record["b"]);
        Assert.Equal(CandidValue.Blob([1, 2]), record["c"]);
        Assert.Equal(new Float32Value(1), record["d"]);
        Assert.Equal(new Int16Value(-3), record["e"]);
        Assert.Equal(CandidValue.None, record["f"]);
        Assert.Equal(CandidValue.None, args[1]);
        Assert.Same(types, args.Types);
        CandidBinary.Encode(args);
    }

    [Fact]
    public void An_opt_may_be_written_without_opt_where_the_content_is_plain()
    {
        var args = CandidText.ParseArgs("(5)", [CandidType.Opt(CandidType.Nat)]);
        Assert.Equal(CandidValue.Some(CandidValue.Nat(5)), args[0]);
    }

    [Theory]
    [InlineData("(-1)", "nat", "out of range")]
    [InlineData("(256)", "nat8", "out of range")]
    [InlineData("(1.5)", "nat", "not a whole number")]
    [InlineData("(\"x\")", "nat", "expected a value of type nat")]
    [InlineData("(record { a = 1 })", "record { b : nat }", "field a is not in the record type")]
    [InlineData("(record { })", "record { b : nat }", "field b : nat is missing")]
    [InlineData("(variant { c })", "variant { a; b }", "case c is not in the variant type")]
    [InlineData("(principal \"aaaaa-ab\")", "principal", "canonical")]
    [InlineData("(1, 2)", "nat", "2 arguments given")]
    public void Values_that_do_not_fit_the_expected_type_say_where_and_why(string text, string type, string reason)
    {
        var error = Assert.Throws<CandidParseException>(() => CandidText.ParseArgs(text, [CandidText.ParseType(type)]));
        Assert.Contains(reason, error.Message);
        Assert.Equal(1, error.Line);
        Assert.True(error.Column > 1, error.Message);
    }

    [Theory]
    [InlineData("(1", "expected ')'")]
    [InlineData("(record { a = 1 ", "expected '}'")]
    [InlineData("(\"abc)", "not closed")]
    [InlineData("(1) 2", "after the end")]
    [InlineData("(vec { 1 2 })", "';' between elements")]
    [InlineData("(12abc)", "not a number")]
    [InlineData("(\"\\q\")", "unknown escape")]
    [InlineData("(record { a = 1; a = 2 })", "appears twice")]
    [InlineData("(variant { a = 1; b = 2 })", "exactly one case")]
    [InlineData("(# )", "unexpected character")]
    public void Malformed_text_reports_the_position(string text, string reason)
    {
        var error = Assert.Throws<CandidParseException>(() => CandidText.ParseArgs(text));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Error_positions_count_lines_and_columns()
    {
        var error = Assert.Throws<CandidParseException>(() => CandidText.ParseArgs("(\n  record {\n    a = -1;\n  })",
            [CandidText.ParseType("record { a : nat }")]));
        Assert.Equal(3, error.Line);
        Assert.Equal(9, error.Column);
    }

    [Fact]
    public void Floats_that_are_not_numbers_print_and_parse_back()
    {
        var args = new CandidArgs([CandidType.Float64, CandidType.Float32, CandidType.Float64],
            [new Float64Value(double.NaN), new Float32Value(float.PositiveInfinity), new Float64Value(double.NegativeInfinity)]);
        var text = CandidText.Print(args);
        Assert.Equal("(nan : float64, inf : float32, -inf : float64)", text);
        Assert.Equal(args.Values, CandidText.ParseArgs(text).Values);
        Assert.Contains("not a whole number", Assert.Throws<CandidParseException>(() => CandidText.ParseArgs("(nan : nat)")).Message);
    }

    [Fact]
    public void Comments_are_skipped()
    {
        var args = CandidText.ParseArgs("( // the first\n 1 /* nested /* comment */ */ : nat )");
        Assert.Equal(CandidValue.Nat(1), args[0]);
    }

    [Fact]
    public void Printing_and_parsing_again_gives_the_same_args()
    {
        var text = """
            (record { owner = principal "aaaaa-aa"; start = 41 : nat; "quoted name" = "a\"b\n"; 5 = vec { -1; 2 } },
             variant { upgrade = opt record { wasm_memory_persistence = opt variant { keep } } },
             blob "\de\ad\00A", opt null, 1.5 : float64, -2 : int8, 7 : nat64, null : reserved, (3.25 : float32),
             record { 1; "two" }, vec {}, service "2vxsx-fae", func "aaaaa-aa".install_code, true)
            """;
        var args = CandidText.ParseArgs(text);
        var printed = CandidText.Print(args);
        var again = CandidText.ParseArgs(printed);
        Assert.Equal(args.Values, again.Values);
        Assert.Equal(printed, CandidText.Print(again));
        // And the binary encoder agrees with the types the text gave.
        Assert.Equal(args.Values, CandidBinary.Decode(CandidBinary.Encode(args), args.Types).Values);
    }

    [Fact]
    public void Prints_values_in_the_usual_form()
    {
        Assert.Equal("""(record { owner = principal "aaaaa-aa"; start = 41 : nat })""",
            CandidText.Print(CandidText.ParseArgs("""(record { start = 41 : nat; owner = principal "aaaaa-aa" })""")));
        Assert.Equal("""(variant { keep }, blob "\de\ad", vec { 1; -2 }, record { 1; 2 })""",
            CandidText.Print(CandidText.ParseArgs("""(variant { keep }, blob "\de\ad", vec { 1; -2 }, record { 1; 2 })""")));
    }

    private static string Hex(CandidArgs args) => Convert.ToHexStringLower(CandidBinary.Encode(args));
}
