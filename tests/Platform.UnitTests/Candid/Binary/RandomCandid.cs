using System.Numerics;
using System.Text;
using Platform.Candid;

namespace Platform.UnitTests.Candid.Binary;

/// <summary>Seeded random Candid types and values: nested records, variants, opts, vecs, recursive lists and trees.</summary>
internal sealed class RandomCandid(int seed)
{
    private static readonly string[] Names =
        ["a", "b", "foo", "bar", "owner", "amount", "memo", "canister_id", "x_1", "ünï", "名前", "_hidden"];

    private static readonly CandidTypeKind[] PrimitiveKinds =
    [
        CandidTypeKind.Null, CandidTypeKind.Bool, CandidTypeKind.Nat, CandidTypeKind.Int, CandidTypeKind.Nat8,
        CandidTypeKind.Nat16, CandidTypeKind.Nat32, CandidTypeKind.Nat64, CandidTypeKind.Int8, CandidTypeKind.Int16,
        CandidTypeKind.Int32, CandidTypeKind.Int64, CandidTypeKind.Float32, CandidTypeKind.Float64, CandidTypeKind.Text,
        CandidTypeKind.Reserved, CandidTypeKind.Principal,
    ];

    private static readonly string[] Texts =
        ["", "hello", "ünïcödé", "日本語のテキスト", "emoji 😀🎉", "quote \" and \\ backslash", "line\nbreak\ttab", "\u0000nul"];

    private readonly Random _random = new(seed);

    public CandidType Type(int depth)
    {
        if (depth <= 0 || _random.Next(3) == 0) return CandidType.Primitive(PrimitiveKinds[_random.Next(PrimitiveKinds.Length)]);
        switch (_random.Next(8))
        {
            case 0: return CandidType.Opt(Type(depth - 1));
            case 1: return CandidType.Vec(Type(depth - 1));
            case 2: return CandidType.Blob;
            case 3: case 4: return CandidType.Record(Fields(depth - 1, allowEmpty: true));
            case 5: return CandidType.Variant(Fields(depth - 1, allowEmpty: false));
            case 6:
            {
                var element = Type(depth - 1);
                return CandidType.Recursive(list => CandidType.Opt(CandidType.Record(("head", element), ("tail", list))));
            }
            default:
            {
                var leaf = Type(depth - 1);
                return CandidType.Recursive(tree => CandidType.Variant(
                    ("leaf", leaf), ("node", CandidType.Record(("left", tree), ("right", tree)))));
            }
        }
    }

    private List<CandidField> Fields(int depth, bool allowEmpty)
    {
        var count = _random.Next(allowEmpty ? 0 : 1, 5);
        var fields = new List<CandidField>();
        var ids = new HashSet<uint>();
        while (fields.Count < count)
        {
            CandidField field = _random.Next(4) == 0
                ? new CandidField(_random.Next(3) == 0 ? uint.MaxValue - (uint)_random.Next(3) : (uint)_random.Next(12), Type(depth))
                : new CandidField(Names[_random.Next(Names.Length)], Type(depth));
            if (ids.Add(field.Id)) fields.Add(field);
        }
        return fields;
    }

    public CandidValue Value(CandidType type, int depth = 0)
    {
        switch (type.Kind)
        {
            case CandidTypeKind.Null: return CandidValue.Null;
            case CandidTypeKind.Reserved: return CandidValue.Reserved;
            case CandidTypeKind.Bool: return CandidValue.Bool(_random.Next(2) == 0);
            case CandidTypeKind.Nat: return CandidValue.Nat(Big(nonNegative: true));
            case CandidTypeKind.Int: return CandidValue.Int(Big(nonNegative: false));
            case CandidTypeKind.Nat8: return new Nat8Value((byte)_random.Next(256));
            case CandidTypeKind.Nat16: return new Nat16Value((ushort)_random.Next(65536));
            case CandidTypeKind.Nat32: return new Nat32Value((uint)_random.NextInt64(0, 1L << 32));
            case CandidTypeKind.Nat64: return new Nat64Value(Edge<ulong>((ulong)_random.NextInt64() * 2 + (ulong)_random.Next(2), 0, ulong.MaxValue));
            case CandidTypeKind.Int8: return new Int8Value((sbyte)_random.Next(-128, 128));
            case CandidTypeKind.Int16: return new Int16Value((short)_random.Next(-32768, 32768));
            case CandidTypeKind.Int32: return new Int32Value(Edge(_random.Next(int.MinValue, int.MaxValue), int.MinValue, int.MaxValue));
            case CandidTypeKind.Int64: return new Int64Value(Edge(_random.NextInt64(long.MinValue, long.MaxValue), long.MinValue, long.MaxValue));
            case CandidTypeKind.Float32: return new Float32Value((float)((_random.NextDouble() - 0.5) * Math.Pow(10, _random.Next(-10, 30))));
            case CandidTypeKind.Float64: return new Float64Value((_random.NextDouble() - 0.5) * Math.Pow(10, _random.Next(-300, 300)));
            case CandidTypeKind.Text: return CandidValue.Text(_random.Next(3) == 0 ? RandomText() : Texts[_random.Next(Texts.Length)]);
            case CandidTypeKind.Principal:
            {
                var bytes = new byte[_random.Next(Principal.MaxLength + 1)];
                _random.NextBytes(bytes);
                return CandidValue.Principal(Principal.FromBytes(bytes));
            }
            case CandidTypeKind.Opt:
                return depth > 6 || _random.Next(3) == 0 ? CandidValue.None : CandidValue.Some(Value(((OptType)type).Inner, depth + 1));
            case CandidTypeKind.Vec:
            {
                var vec = (VecType)type;
                var count = depth > 4 ? 0 : _random.Next(5);
                if (vec.IsBlob)
                {
                    var bytes = new byte[_random.Next(3) == 0 ? 0 : _random.Next(1, 100)];
                    _random.NextBytes(bytes);
                    return CandidValue.Blob(bytes);
                }
                return new VecValue(Enumerable.Range(0, count).Select(_ => Value(vec.Element, depth + 1)).ToArray());
            }
            case CandidTypeKind.Record:
                return new RecordValue(((RecordType)type).Fields.Select(f => new CandidFieldValue(f.Id, Value(f.Type, depth + 1), f.Name)));
            case CandidTypeKind.Variant:
            {
                var cases = ((VariantType)type).Fields;
                // Deep inside a recursive tree, take a leaf so the value ends.
                var chosen = depth > 6 ? cases.FirstOrDefault(c => c.Name == "leaf") ?? cases[0] : cases[_random.Next(cases.Count)];
                return new VariantValue(chosen.Id, Value(chosen.Type, depth + 1), chosen.Name);
            }
            default:
                throw new InvalidOperationException($"No random values of {type}.");
        }
    }

    private BigInteger Big(bool nonNegative)
    {
        var bytes = new byte[_random.Next(1, _random.Next(4) == 0 ? 40 : 9)];
        _random.NextBytes(bytes);
        var n = new BigInteger(bytes, isUnsigned: true);
        return nonNegative || _random.Next(2) == 0 ? n : -n;
    }

    private T Edge<T>(T value, T min, T max) => _random.Next(8) switch { 0 => min, 1 => max, _ => value };

    private string RandomText()
    {
        var sb = new StringBuilder();
        for (var i = _random.Next(20); i > 0; i--)
        {
            var rune = _random.Next(4) switch
            {
                0 => _random.Next(0x20, 0x7F),
                1 => _random.Next(0xA0, 0xD7FF),
                2 => _random.Next(0x1F300, 0x1FAFF),
                _ => _random.Next(0, 0x20),
            };
            sb.Append(char.ConvertFromUtf32(rune));
        }
        return sb.ToString();
    }
}
