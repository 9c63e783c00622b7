using Platform.Candid;

namespace Platform.UnitTests.Candid.Text;

public sealed class ServiceDescriptionTests
{
    private const string Ledger = """
        // A ledger-like service: recursive types, named and quoted identifiers, every kind of method.
        type Account = record { owner : principal; subaccount : opt blob };
        type List = opt record { head : Account; tail : List };
        type Tree = variant { leaf : int; node : record { left : Tree; right : Tree } };
        type Init = record { minting_account : Account; initial : vec record { Account; nat } };
        type Callback = func (nat) -> () oneway;
        type Notifier = service { notify : Callback };
        service ledger : (Init) -> {
          balance_of : (account : Account) -> (nat) query;
          "transfer" : (record { to : Account; amount : nat; memo : opt nat64 }) -> (variant { Ok : nat; Err : text });
          history : (List) -> (Tree) composite_query;
          subscribe : (Notifier, Callback) -> ();
          ping : Callback;
        }
        """;

    [Fact]
    public void Parses_the_init_args_and_every_method()
    {
        var service = CandidText.ParseService(Ledger);
        var init = Assert.IsType<RecordType>(Assert.Single(service.InitArgs));
        Assert.NotNull(init.FindField("minting_account"));
        Assert.Equal(["balance_of", "history", "ping", "subscribe", "transfer"], service.Service.Methods.Select(m => m.Name));
        Assert.True(service.Method("balance_of").Type.IsQuery);
        Assert.Equal(FuncModes.CompositeQuery, service.Method("history").Type.Modes);
        Assert.Equal(FuncModes.Oneway, service.Method("ping").Type.Modes);
        Assert.Same(service.Types["Callback"], service.Method("ping").Type);
        Assert.Same(service.Types["Account"], service.Method("balance_of").Type.Args[0]);
        var tuple = Assert.IsType<RecordType>(((VecType)init.FindField("initial")!.Type).Element);
        Assert.True(tuple.IsTuple);
    }

    [Fact]
    public void Recursive_types_are_cycles()
    {
        var service = CandidText.ParseService(Ledger);
        var list = Assert.IsType<OptType>(service.Types["List"]);
        var node = Assert.IsType<RecordType>(list.Inner);
        Assert.Same(list, node.FindField("tail")!.Type);
        var tree = Assert.IsType<VariantType>(service.Types["Tree"]);
        var branch = Assert.IsType<RecordType>(tree.FindField("node")!.Type);
        Assert.Same(tree, branch.FindField("left")!.Type);
    }

    [Fact]
    public void Init_args_in_text_encode_against_the_description()
    {
        var service = CandidText.ParseService(Ledger);
        var args = CandidText.ParseArgs("""
            (record {
              minting_account = record { owner = principal "2vxsx-fae" };
              initial = vec { record { record { owner = principal "aaaaa-aa"; subaccount = opt blob "\01" }; 100 } };
            })
            """, service.InitArgs);
        var bytes = CandidBinary.Encode(args);
        var decoded = CandidBinary.Decode(bytes, service.InitArgs);
        Assert.Equal(args.Values, decoded.Values);
        var first = decoded[0].AsRecord()["initial"].AsVec()[0].AsRecord();
        Assert.Equal(100, (int)first[1].AsNat());
    }

    [Fact]
    public void Prints_a_description_that_parses_to_the_same_types()
    {
        var service = CandidText.ParseService(Ledger);
        var printed = service.ToString();
        var again = CandidText.ParseService(printed);
        Assert.Equal(service.Service.Methods.Count, again.Service.Methods.Count);
        Assert.True(CandidType.StructurallyEquals(service.Service, again.Service), printed);
        Assert.True(CandidType.StructurallyEquals(service.InitArgs[0], again.InitArgs[0]), printed);
    }

    [Fact]
    public void A_recursive_type_prints_with_a_name_for_its_cycle()
    {
        var list = CandidType.Recursive(self => CandidType.Opt(CandidType.Record(("head", CandidType.Int), ("tail", self))));
        Assert.Equal("type rec_0 = opt record { head : int; tail : rec_0 };\nrec_0", list.ToString());
        var parsed = CandidText.ParseService("type rec_0 = opt record { head : int; tail : rec_0 };").Types["rec_0"];
        Assert.True(CandidType.StructurallyEquals(list, parsed));
    }

    [Theory]
    [InlineData("type A = B;", "type B is not defined")]
    [InlineData("type A = B; type B = A;", "defined as itself")]
    [InlineData("type A = nat; type A = int;", "defined twice")]
    [InlineData("type A = record { a : nat; a : int };", "id")]
    [InlineData("service : { m : (nat) -> (nat) }; service : {}", "one service")]
    [InlineData("service : { m : nat }", "does not have a func type")]
    [InlineData("type S = nat; service : S", "not a service type")]
    [InlineData("import \"other.did\";", "imports are not supported")]
    [InlineData("type A = record { a : nat", "expected '}'")]
    [InlineData("service : { m : (nat) -> (nat); m : () -> () }", "defined twice")]
    public void Bad_descriptions_say_what_is_wrong(string text, string reason)
    {
        var error = Assert.Throws<CandidParseException>(() => CandidText.ParseService(text));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_service_may_be_given_by_name_and_without_init_args()
    {
        var service = CandidText.ParseService("type S = service { get : () -> (text) query }; service : S");
        Assert.Empty(service.InitArgs);
        Assert.NotNull(service.FindMethod("get"));
        Assert.Throws<KeyNotFoundException>(() => service.Method("put"));
    }
}
