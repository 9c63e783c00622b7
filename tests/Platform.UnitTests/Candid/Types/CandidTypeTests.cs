using Platform.Candid;

namespace Platform.UnitTests.Candid.Types;

public sealed class CandidTypeTests
{
    [Fact]
    public void Fields_are_sorted_by_id_and_an_id_may_appear_once()
    {
        var record = CandidType.Record(("foo", CandidType.Int), ("bar", CandidType.Bool));
        Assert.Equal(["bar", "foo"], record.Fields.Select(f => f.Name));
        Assert.Equal(1, record.IndexOf(CandidField.IdOf("foo")));
        Assert.Same(record.Fields[0], record.FindField("bar"));
        Assert.Null(record.FindField("baz"));
        Assert.Throws<ArgumentException>(() => CandidType.Record(new CandidField(1, CandidType.Nat), new CandidField(1, CandidType.Int)));
    }

    [Fact]
    public void A_field_name_must_match_its_id()
    {
        Assert.Throws<ArgumentException>(() => new CandidField(1, CandidType.Nat, "foo"));
        Assert.Equal(CandidField.IdOf("foo"), new CandidField(CandidField.IdOf("foo"), CandidType.Nat, "foo").Id);
    }

    [Fact]
    public void Names_that_hash_alike_collide()
    {
        // "a" and a name with the same hash cannot share a record; the spec's hash makes collisions easy to find.
        var a = CandidField.IdOf("a");
        Assert.Equal(97u, a);
        Assert.Throws<ArgumentException>(() => CandidType.Record(new CandidField("a", CandidType.Nat), new CandidField(97, CandidType.Int)));
    }

    [Fact]
    public void Recursive_types_tie_the_knot_and_compare_by_shape()
    {
        var list1 = CandidType.Recursive(l => CandidType.Opt(CandidType.Record(("head", CandidType.Nat), ("tail", l))));
        var list2 = CandidType.Recursive(l => CandidType.Opt(CandidType.Record(("head", CandidType.Nat), ("tail", l))));
        var unrolled = CandidType.Opt(CandidType.Record(("head", CandidType.Nat), ("tail", list1)));
        var opt = Assert.IsType<OptType>(list1);
        Assert.Same(list1, ((RecordType)opt.Inner).FindField("tail")!.Type);
        Assert.NotSame(list1, list2);
        Assert.True(CandidType.StructurallyEquals(list1, list2));
        Assert.True(CandidType.StructurallyEquals(list1, unrolled));
        Assert.False(CandidType.StructurallyEquals(list1,
            CandidType.Recursive(l => CandidType.Opt(CandidType.Record(("head", CandidType.Int), ("tail", l))))));
        Assert.Throws<ArgumentException>(() => CandidType.Recursive(l => l));
        Assert.Throws<ArgumentException>(() => CandidType.Recursive(_ => CandidType.Nat));
    }

    [Fact]
    public void Blob_is_vec_nat8()
    {
        Assert.Same(CandidType.Blob, CandidType.Vec(CandidType.Nat8));
        Assert.True(CandidType.Blob.IsBlob);
        Assert.Equal("blob", CandidType.Blob.ToString());
        Assert.Equal("vec nat16", CandidType.Vec(CandidType.Nat16).ToString());
    }

    [Fact]
    public void Types_print_as_candid_text()
    {
        Assert.Equal("record { owner : principal; subaccount : opt blob }",
            CandidType.Record(("owner", CandidType.Principal), ("subaccount", CandidType.Opt(CandidType.Blob))).ToString());
        Assert.Equal("record { nat; text }", CandidType.Tuple(CandidType.Nat, CandidType.Text).ToString());
        Assert.Equal("variant { keep; replace }", CandidType.Enum("keep", "replace").ToString());
        var quoted = CandidType.Record(new CandidField("text", CandidType.Nat), new CandidField("with space", CandidType.Int),
            new CandidField(7, CandidType.Bool));
        var text = quoted.ToString();
        Assert.Contains("\"text\" : nat", text);
        Assert.Contains("\"with space\" : int", text);
        Assert.Contains("7 : bool", text);
        Assert.True(CandidType.StructurallyEquals(quoted, CandidText.ParseType(text)));
        Assert.Equal("func (nat) -> (opt text) query", CandidType.Func([CandidType.Nat], [CandidType.Opt(CandidType.Text)], FuncModes.Query).ToString());
        Assert.Equal("service { get : () -> (nat) query }",
            CandidType.Service(new CandidMethod("get", CandidType.Func([], [CandidType.Nat], FuncModes.Query))).ToString());
    }

    [Fact]
    public void Subtyping_basics()
    {
        Assert.True(CandidType.Nat.IsSubtypeOf(CandidType.Int));
        Assert.False(CandidType.Int.IsSubtypeOf(CandidType.Nat));
        Assert.True(CandidType.Text.IsSubtypeOf(CandidType.Opt(CandidType.Nat)));
        Assert.True(CandidType.Empty.IsSubtypeOf(CandidType.Nat));
        Assert.True(CandidType.Nat.IsSubtypeOf(CandidType.Reserved));
        Assert.True(CandidType.Record(("a", CandidType.Nat), ("b", CandidType.Text)).IsSubtypeOf(CandidType.Record(("a", CandidType.Int))));
        Assert.True(CandidType.Enum("a").IsSubtypeOf(CandidType.Enum("a", "b")));
        Assert.False(CandidType.Enum("a", "b").IsSubtypeOf(CandidType.Enum("a")));
    }
}
