using Platform.Candid;

namespace Platform.UnitTests.Candid.Binary;

/// <summary>Decoding against an expected type follows Candid subtyping, so old and new interfaces understand each other.</summary>
public sealed class SubtypingTests
{
    private static CandidValue Read(string wireArgs, string expectedTypes, int index = 0)
    {
        var bytes = CandidBinary.Encode(CandidText.ParseArgs(wireArgs));
        return CandidBinary.Decode(bytes, CandidText.ParseTypes(expectedTypes))[index];
    }

    [Fact]
    public void Missing_opt_null_and_reserved_fields_become_null()
    {
        var record = Read("(record { a = 1 : nat })", "(record { a : nat; b : opt text; c : null; d : reserved })").AsRecord();
        Assert.Equal(CandidValue.Nat(1), record["a"]);
        Assert.Equal(CandidValue.None, record["b"]);
        Assert.Equal(CandidValue.Null, record["c"]);
        Assert.Equal(CandidValue.Reserved, record["d"]);
    }

    [Fact]
    public void Extra_fields_are_dropped_and_names_come_from_the_expected_type()
    {
        var record = Read("(record { a = 1 : nat; extra = vec { \"x\" }; 9 = true })", "(record { a : nat })").AsRecord();
        var field = Assert.Single(record.Fields);
        Assert.Equal("a", field.Name);
    }

    [Theory]
    [InlineData("(opt (5 : nat))", "opt (5 : nat)")]     // opt t <: opt t'
    [InlineData("(5 : nat)", "opt (5 : nat)")]           // t <: opt t' wraps
    [InlineData("(opt \"x\")", "null")]                // opt content that does not fit: null
    [InlineData("(\"x\")", "null")]                    // a value that does not fit: null
    [InlineData("(null)", "null")]
    [InlineData("(null : reserved)", "null")]
    [InlineData("(opt opt (5 : nat))", "null")]        // opt opt nat is no subtype of nat
    public void Opt_takes_what_fits_and_reads_null_otherwise(string wire, string expected) =>
        Assert.Equal(expected, Read(wire, "(opt nat)").ToString());

    [Fact]
    public void A_variant_with_a_case_the_reader_lacks_reads_as_null_inside_an_opt()
    {
        var bytes = CandidBinary.Encode(CandidText.ParseArgs("(opt variant { c })", [CandidText.ParseType("opt variant { a; b; c }")]));
        Assert.Equal(CandidValue.None, CandidBinary.Decode(bytes, CandidText.ParseTypes("(opt variant { a; b })"))[0]);
        var error = Assert.Throws<CandidDecodeException>(() => CandidBinary.Decode(
            CandidBinary.Encode(CandidText.ParseArgs("(variant { c })")), CandidText.ParseTypes("(variant { a; b })")));
        Assert.Contains($"case {CandidField.IdOf("c")} is not in the expected variant", error.Message);
    }

    [Fact]
    public void A_plain_value_does_not_fill_an_opt_whose_content_could_be_null()
    {
        Assert.Equal(CandidValue.None, Read("(true)", "(opt opt bool)"));
        Assert.Equal(CandidValue.None, Read("(null)", "(opt opt null)"));
        Assert.Equal("opt null", Read("(opt opt true)", "(opt opt nat)").ToString());
    }

    [Fact]
    public void The_check_is_on_the_value_so_an_unused_case_the_reader_lacks_does_not_matter()
    {
        var bytes = CandidBinary.Encode(CandidText.ParseArgs("(variant { a })", [CandidText.ParseType("variant { a; b }")]));
        Assert.Equal("opt variant { a }", CandidBinary.Decode(bytes, CandidText.ParseTypes("(opt variant { a })"))[0].ToString());
        // A case whose payload does not coerce is recovered as null under an opt.
        bytes = CandidBinary.Encode(CandidText.ParseArgs("(opt variant { a = true })"));
        Assert.Equal(CandidValue.None, CandidBinary.Decode(bytes, CandidText.ParseTypes("(opt variant { a : int })"))[0]);
    }

    // A function reference is checked by type: decoding `func () -> (t1)` at `opt func () -> (t2)` gives the
    // reference when t1 <: t2 and null otherwise.
    [Theory]
    [InlineData("nat", "int", true)]
    [InlineData("int", "nat", false)]
    [InlineData("nat", "nat8", false)]
    [InlineData("nat", "opt bool", true)]
    [InlineData("record {}", "record { a : opt empty }", true)]
    [InlineData("record {}", "record { a : reserved }", true)]
    [InlineData("record {}", "record { a : null }", false)]
    [InlineData("record {}", "record { a : nat }", false)]
    [InlineData("variant {}", "variant { 0 : nat }", true)]
    [InlineData("variant { 0 : bool }", "variant { 0 : nat }", false)]
    [InlineData("variant { a; b }", "variant { a }", false)]
    [InlineData("func () -> ()", "func () -> (opt null)", true)]
    [InlineData("func () -> ()", "func () -> (null)", false)]
    [InlineData("func (opt null) -> ()", "func () -> ()", true)]
    [InlineData("func (nat) -> ()", "func () -> ()", false)]
    [InlineData("func () -> () query", "func () -> ()", false)]
    [InlineData("service { m : () -> (nat) }", "service {}", true)]
    [InlineData("service {}", "service { m : () -> (nat) }", false)]
    public void Function_references_need_a_subtype(string t1, string t2, bool subtype)
    {
        var reference = new FuncValue(Principal.ManagementCanister, "m");
        var bytes = CandidBinary.Encode(CandidText.ParseType($"func () -> ({t1})"), reference);
        var read = CandidBinary.Decode(bytes, CandidText.ParseType($"opt func () -> ({t2})"));
        Assert.Equal(subtype ? CandidValue.Some(reference) : CandidValue.None, read);
    }

    [Fact]
    public void Recursive_types_are_subtypes_of_their_unfoldings()
    {
        var service = CandidText.ParseService("""
            type Vec = vec Vec;
            type EmptyRecord = record { EmptyRecord };
            type MuRecordOpt = record { 0 : opt MuRecordOpt };
            """);
        Assert.True(Subtyping.IsSubtype(service.Types["Vec"], CandidText.ParseType("vec Vec", service.Types)));
        Assert.True(Subtyping.IsSubtype(CandidText.ParseType("vec vec Vec", service.Types), service.Types["Vec"]));
        Assert.True(Subtyping.IsSubtype(service.Types["EmptyRecord"], service.Types["MuRecordOpt"]));
        Assert.False(Subtyping.IsSubtype(service.Types["EmptyRecord"], CandidType.Empty));
        Assert.True(Subtyping.IsSubtype(CandidType.Empty, service.Types["EmptyRecord"]));
    }

    [Fact]
    public void Variant_cases_map_by_id_to_the_reader_s_cases()
    {
        var value = Read("(variant { b = 5 : nat })", "(variant { a : text; b : int; z })").AsVariant();
        Assert.Equal("b", value.Name);
        Assert.Equal(CandidValue.Int(5), value.Value);
    }

    [Fact]
    public void Nat_reads_as_int_but_not_the_other_way()
    {
        Assert.Equal(CandidValue.Int(7), Read("(7 : nat)", "(int)"));
        Assert.Throws<CandidDecodeException>(() => Read("(7)", "(nat)"));
        Assert.Equal(CandidValue.Vec(CandidValue.Int(1), CandidValue.Int(2)), Read("(vec { 1 : nat; 2 : nat })", "(vec int)"));
    }

    [Theory]
    [InlineData("4449444c 01 67 00 02 00 7e 00 00 01")]                     // no type data, no value bytes
    [InlineData("4449444c 01 67 03 414243 02 00 7e 05 00 68656c6c6f 01")]    // both with data
    public void Values_of_future_types_are_skipped_and_read_as_null_under_an_opt(string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", ""));
        var args = CandidBinary.Decode(bytes, CandidText.ParseTypes("(opt empty, bool)"));
        Assert.Equal([CandidValue.None, CandidValue.Bool(true)], args.Values);
        Assert.Throws<CandidDecodeException>(() => CandidBinary.Decode(bytes, CandidText.ParseTypes("(nat, bool)")));
        // Re-encoding what was read writes the future type as reserved.
        var wire = CandidBinary.Decode(bytes);
        Assert.Equal("4449444c0002707e01", Convert.ToHexStringLower(CandidBinary.Encode(wire)));
    }

    [Fact]
    public void Anything_reads_as_reserved()
    {
        Assert.Equal(CandidValue.Reserved, Read("(record { a = \"x\" })", "(reserved)"));
    }

    [Fact]
    public void Extra_arguments_are_dropped_and_missing_opt_arguments_are_null()
    {
        var args = CandidBinary.Decode(CandidBinary.Encode(CandidText.ParseArgs("(1 : nat, \"two\", true)")), CandidText.ParseTypes("(nat)"));
        Assert.Single(args.Values);
        args = CandidBinary.Decode(CandidBinary.Encode(CandidText.ParseArgs("(1 : nat)")), CandidText.ParseTypes("(nat, opt text, null)"));
        Assert.Equal([CandidValue.Nat(1), CandidValue.None, CandidValue.Null], args.Values);
    }

    [Fact]
    public void Recursive_types_coerce_all_the_way_down()
    {
        var natList = CandidType.Recursive(l => CandidType.Opt(CandidType.Record(("head", CandidType.Nat), ("tail", l))));
        var intList = CandidType.Recursive(l => CandidType.Opt(CandidType.Record(("head", CandidType.Int), ("tail", l), ("note", CandidType.Opt(CandidType.Text)))));
        var value = CandidText.ParseValue("opt record { head = 1; tail = opt record { head = 2; tail = null } }", natList).Value;
        var read = CandidBinary.Decode(CandidBinary.Encode(natList, value), intList);
        Assert.Equal("opt record { head = 1; note = null; tail = opt record { head = 2; note = null; tail = null } }", read.ToString());
    }

    [Fact]
    public void Subtyping_between_recursive_types_terminates()
    {
        var a = CandidType.Recursive(l => CandidType.Opt(CandidType.Record(("head", CandidType.Nat), ("tail", l))));
        var b = CandidType.Recursive(l => CandidType.Opt(CandidType.Record(("head", CandidType.Int), ("tail", l))));
        Assert.True(Subtyping.IsSubtype(a, b));
        Assert.True(Subtyping.IsSubtype(CandidType.Vec(a), CandidType.Vec(b)));
        Assert.False(Subtyping.IsSubtype(CandidType.Vec(b), CandidType.Vec(CandidType.Nat)));
    }
}
