using Platform.Candid;

namespace Platform.UnitTests.Candid.Binary;

public sealed class RoundTripTests
{
    [Fact]
    public void Random_values_survive_encoding_decoding_and_the_text_form()
    {
        var random = new RandomCandid(2026);
        for (var round = 0; round < 500; round++)
        {
            var types = Enumerable.Range(0, 1 + round % 3).Select(_ => random.Type(4)).ToArray();
            var args = new CandidArgs(types, types.Select(t => random.Value(t)).ToArray());
            var bytes = CandidBinary.Encode(args);

            var wire = CandidBinary.Decode(bytes);
            Assert.Equal(args.Values, wire.Values);
            Assert.All(types.Zip(wire.Types), p => Assert.True(CandidType.StructurallyEquals(p.First, p.Second)));
            Assert.Equal(args.Values, CandidBinary.Decode(bytes, types).Values);
            // The decoder's own types encode to the same bytes.
            Assert.Equal(bytes, CandidBinary.Encode(wire));

            var text = CandidText.Print(args);
            Assert.Equal(args.Values, CandidText.ParseArgs(text, types).Values);
        }
    }

    [Fact]
    public void A_shared_recursive_type_is_one_table_entry_per_node()
    {
        var list = CandidType.Recursive(l => CandidType.Opt(CandidType.Record(("head", CandidType.Int), ("tail", l))));
        var bytes = CandidBinary.Encode([list, list, CandidType.Vec(list)], [CandidValue.None, CandidValue.None, CandidValue.Vec()]);
        // opt 1; record { head : int; tail : 0 }; vec 0 - then three arguments 0, 0, 2.
        Assert.Equal("4449444c036e016c02a0d2aca8047c90eddae704006d00030000020000" + "00", Convert.ToHexStringLower(bytes));
    }
}
