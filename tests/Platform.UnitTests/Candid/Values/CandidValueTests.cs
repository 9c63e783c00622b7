using System.Numerics;
using Platform.Candid;

namespace Platform.UnitTests.Candid.Values;

public sealed class CandidValueTests
{
    [Fact]
    public void Record_fields_are_found_by_name_or_id_and_names_do_not_change_equality()
    {
        var named = CandidValue.Record(("owner", CandidValue.Principal(Principal.Anonymous)), ("amount", CandidValue.Nat(5)));
        var numbered = new RecordValue([new(CandidField.IdOf("amount"), CandidValue.Nat(5)), new(CandidField.IdOf("owner"), CandidValue.Principal(Principal.Anonymous))]);
        Assert.Equal(named, numbered);
        Assert.Equal(named.GetHashCode(), numbered.GetHashCode());
        Assert.Equal(Principal.Anonymous, named["owner"].AsPrincipal());
        Assert.Equal(new BigInteger(5), numbered[CandidField.IdOf("amount")].AsNat());
        Assert.Null(named.Find("missing"));
        Assert.Throws<KeyNotFoundException>(() => named["missing"]);
        Assert.Throws<ArgumentException>(() => new RecordValue([new(1, CandidValue.Null), new(1, CandidValue.Null)]));
    }

    [Fact]
    public void Accessors_say_what_they_expected()
    {
        var error = Assert.Throws<InvalidCastException>(() => CandidValue.Text("x").AsNat());
        Assert.Contains("natural number", error.Message);
        Assert.Equal(new BigInteger(-3), new Int16Value(-3).AsInt());
        Assert.Equal(new BigInteger(3), new Nat64Value(3).AsInt());
        Assert.Null(CandidValue.None.AsOpt());
        Assert.Null(CandidValue.Null.AsOpt());
        Assert.Equal(CandidValue.Nat(1), CandidValue.Some(CandidValue.Nat(1)).AsOpt());
        Assert.Equal([new Nat8Value(1), new Nat8Value(2)], CandidValue.Blob([1, 2]).AsVec());
        Assert.True(CandidValue.Variant("keep").Is("keep"));
    }

    [Fact]
    public void Values_compare_by_content()
    {
        Assert.Equal(CandidValue.Blob([1, 2, 3]), CandidValue.Blob([1, 2, 3]));
        Assert.NotEqual(CandidValue.Blob([1, 2, 3]), CandidValue.Blob([1, 2]));
        Assert.Equal(CandidValue.Vec(CandidValue.Int(1)), CandidValue.Vec(CandidValue.Int(1)));
        Assert.NotEqual<CandidValue>(CandidValue.Nat(1), CandidValue.Int(1));
        Assert.Equal(new Float64Value(double.NaN), new Float64Value(double.NaN));
        Assert.NotEqual(new Float64Value(0.0), new Float64Value(-0.0));
        Assert.Equal(CandidValue.Variant("a", CandidValue.Nat(1)), new VariantValue(CandidField.IdOf("a"), CandidValue.Nat(1)));
    }

    [Fact]
    public void A_nat_is_not_negative()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CandidValue.Nat(-1));
    }

    [Fact]
    public void Args_need_one_type_per_value()
    {
        Assert.Throws<ArgumentException>(() => new CandidArgs([CandidType.Nat], []));
        Assert.Equal("(42 : nat, \"x\")", new CandidArgs([CandidType.Nat, CandidType.Text], [CandidValue.Nat(42), CandidValue.Text("x")]).ToString());
    }
}
