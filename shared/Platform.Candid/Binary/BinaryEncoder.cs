using System.Numerics;
using System.Text;

namespace Platform.Candid;

/// <summary>
/// Writes a message: "DIDL", the type table, the argument types, the values. Composite types get one table entry per
/// object, and acyclic types of the same shape share an entry.
/// </summary>
internal sealed class BinaryEncoder
{
    private const int MaxDepth = 1000;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly List<byte[]?> _entries = [];
    private readonly Dictionary<CandidType, int> _byObject = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _byShape = new(StringComparer.Ordinal);
    private readonly Dictionary<CandidType, string?> _shapes = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _path = [];

    public static byte[] Encode(IReadOnlyList<CandidType> types, IReadOnlyList<CandidValue> values)
    {
        if (types.Count != values.Count)
            throw new ArgumentException($"{types.Count} types for {values.Count} values.");
        var encoder = new BinaryEncoder();
        var argRefs = types.Select(t => encoder.Ref(t, 0)).ToArray();
        var body = new ByteSink();
        for (var i = 0; i < values.Count; i++)
        {
            encoder._path.Add($"argument {i}");
            encoder.Value(body, values[i], types[i], 0);
            encoder._path.RemoveAt(encoder._path.Count - 1);
        }

        var header = new ByteSink(64);
        header.Bytes("DIDL"u8);
        header.Leb((ulong)encoder._entries.Count);
        foreach (var entry in encoder._entries) header.Bytes(entry!);
        header.Leb((ulong)argRefs.Length);
        foreach (var r in argRefs) header.Sleb(r);
        // One final allocation: a message carrying a wasm module is megabytes, copied once more than needed otherwise.
        var message = new byte[header.Length + body.Length];
        header.Written.CopyTo(message);
        body.Written.CopyTo(message.AsSpan(header.Length));
        return message;
    }

    // A type's reference in the table: its opcode if primitive, else its entry's index.
    private int Ref(CandidType type, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"Types nest deeper than {MaxDepth} levels.");
        type = TypeGraph.Untie(type);
        if (type.IsPrimitive) return Opcodes.Of(type.Kind);
        if (_byObject.TryGetValue(type, out var index)) return index;
        var shape = Shape(type, 0);
        if (shape is not null && _byShape.TryGetValue(shape, out index))
        {
            _byObject[type] = index;
            return index;
        }
        index = _entries.Count;
        _entries.Add(null);
        _byObject[type] = index;
        var entry = new ByteSink(16);
        entry.Sleb(Opcodes.Of(type.Kind));
        switch (type)
        {
            case OptType opt:
                entry.Sleb(Ref(opt.Inner, depth + 1));
                break;
            case VecType vec:
                entry.Sleb(Ref(vec.Element, depth + 1));
                break;
            case FieldsType fields:
                entry.Leb((ulong)fields.Fields.Count);
                foreach (var field in fields.Fields)
                {
                    entry.Leb(field.Id);
                    entry.Sleb(Ref(field.Type, depth + 1));
                }
                break;
            case FuncType func:
                entry.Leb((ulong)func.Args.Count);
                foreach (var t in func.Args) entry.Sleb(Ref(t, depth + 1));
                entry.Leb((ulong)func.Results.Count);
                foreach (var t in func.Results) entry.Sleb(Ref(t, depth + 1));
                var modes = ModeBytes(func.Modes);
                entry.Leb((ulong)modes.Count);
                foreach (var m in modes) entry.Byte(m);
                break;
            case ServiceType service:
                entry.Leb((ulong)service.Methods.Count);
                foreach (var method in service.Methods)
                {
                    var name = Encoding.UTF8.GetBytes(method.Name);
                    entry.Leb((ulong)name.Length);
                    entry.Bytes(name);
                    entry.Sleb(Ref(method.Type, depth + 1));
                }
                break;
        }
        _entries[index] = entry.ToArray();
        if (shape is not null) _byShape[shape] = index;
        return index;
    }

    internal static List<byte> ModeBytes(FuncModes modes)
    {
        var bytes = new List<byte>(1);
        if ((modes & FuncModes.Query) != 0) bytes.Add(1);
        if ((modes & FuncModes.Oneway) != 0) bytes.Add(2);
        if ((modes & FuncModes.CompositeQuery) != 0) bytes.Add(3);
        return bytes;
    }

    // A string that is equal for equal acyclic shapes; null for a type on or above a cycle (shared by object only).
    private string? Shape(CandidType type, int depth)
    {
        if (type.IsPrimitive) return Opcodes.Of(type.Kind).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_shapes.TryGetValue(type, out var known)) return known;
        if (depth > MaxDepth) return null; // too deep to be worth sharing; not remembered, a shallower start may do
        _shapes[type] = null; // reached again before it is known: a cycle, so no shape.
        string? shape = type switch
        {
            OptType opt => Wrap("opt", Shape(opt.Inner, depth + 1)),
            VecType vec => Wrap("vec", Shape(vec.Element, depth + 1)),
            FieldsType fields => Join(type.Kind == CandidTypeKind.Record ? "rec" : "var",
                fields.Fields.Select(f => Shape(f.Type, depth + 1) is { } s ? f.Id + ":" + s : null)),
            FuncType func => Join("func" + (int)func.Modes,
                func.Args.Select(t => Shape(t, depth + 1)).Append("->").Concat(func.Results.Select(t => Shape(t, depth + 1)))),
            ServiceType service => Join("svc", service.Methods.Select(m => Shape(m.Type, depth + 1) is { } s ? Escape(m.Name) + ":" + s : null)),
            _ => null,
        };
        _shapes[type] = shape;
        return shape;

        static string? Wrap(string tag, string? inner) => inner is null ? null : tag + "(" + inner + ")";
        static string? Join(string tag, IEnumerable<string?> parts)
        {
            var list = parts.ToList();
            return list.Any(p => p is null) ? null : tag + "(" + string.Join(",", list) + ")";
        }
        static string Escape(string name) => Convert.ToHexString(Encoding.UTF8.GetBytes(name));
    }

    private ArgumentException Mismatch(CandidValue value, CandidType type, string? detail = null) =>
        new($"Cannot encode {Describe(value)} as {TypePrinter.Print(type)}{(detail is null ? "" : ": " + detail)} (at {string.Join(", ", _path)}).");

    private static string Describe(CandidValue value)
    {
        var text = value.ToString();
        return text.Length <= 80 ? text : text[..80] + "...";
    }

    private void Value(ByteSink sink, CandidValue value, CandidType type, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"Values nest deeper than {MaxDepth} levels.");
        type = TypeGraph.Untie(type);
        switch (type.Kind)
        {
            case CandidTypeKind.Null:
                if (value is not NullValue) throw Mismatch(value, type);
                return;
            case CandidTypeKind.Bool:
                sink.Byte(value is BoolValue b ? (byte)(b.Value ? 1 : 0) : throw Mismatch(value, type));
                return;
            case CandidTypeKind.Nat:
                sink.Leb(Integer(value, type, BigInteger.Zero, null));
                return;
            case CandidTypeKind.Int:
                sink.Sleb(Integer(value, type, null, null));
                return;
            case CandidTypeKind.Nat8:
                sink.Byte((byte)Integer(value, type, 0, byte.MaxValue));
                return;
            case CandidTypeKind.Nat16:
                sink.UInt16((ushort)Integer(value, type, 0, ushort.MaxValue));
                return;
            case CandidTypeKind.Nat32:
                sink.UInt32((uint)Integer(value, type, 0, uint.MaxValue));
                return;
            case CandidTypeKind.Nat64:
                sink.UInt64((ulong)Integer(value, type, 0, ulong.MaxValue));
                return;
            case CandidTypeKind.Int8:
                sink.Byte((byte)(sbyte)Integer(value, type, sbyte.MinValue, sbyte.MaxValue));
                return;
            case CandidTypeKind.Int16:
                sink.UInt16((ushort)(short)Integer(value, type, short.MinValue, short.MaxValue));
                return;
            case CandidTypeKind.Int32:
                sink.UInt32((uint)(int)Integer(value, type, int.MinValue, int.MaxValue));
                return;
            case CandidTypeKind.Int64:
                sink.UInt64((ulong)(long)Integer(value, type, long.MinValue, long.MaxValue));
                return;
            case CandidTypeKind.Float32:
                sink.UInt32(value is Float32Value f32 ? BitConverter.SingleToUInt32Bits(f32.Value) : throw Mismatch(value, type));
                return;
            case CandidTypeKind.Float64:
                sink.UInt64(value is Float64Value f64 ? BitConverter.DoubleToUInt64Bits(f64.Value) : throw Mismatch(value, type));
                return;
            case CandidTypeKind.Text:
                if (value is not TextValue text) throw Mismatch(value, type);
                byte[] utf8;
                try { utf8 = StrictUtf8.GetBytes(text.Value); }
                catch (EncoderFallbackException) { throw Mismatch(value, type, "the string holds an unpaired surrogate"); }
                sink.Leb((ulong)utf8.Length);
                sink.Bytes(utf8);
                return;
            case CandidTypeKind.Reserved:
                return;
            case CandidTypeKind.Empty:
                throw Mismatch(value, type, "empty has no values");
            case CandidTypeKind.Principal:
                if (value is not PrincipalValue principal) throw Mismatch(value, type);
                Principal(sink, principal.Value);
                return;
            case CandidTypeKind.Opt:
                switch (value)
                {
                    case OptValue { Value: { } inner }:
                        sink.Byte(1);
                        Value(sink, inner, ((OptType)type).Inner, depth + 1);
                        return;
                    case OptValue or NullValue:
                        sink.Byte(0);
                        return;
                    default:
                        throw Mismatch(value, type, "an opt value is written `opt v` or `null`");
                }
            case CandidTypeKind.Vec:
                Vec(sink, value, (VecType)type, depth);
                return;
            case CandidTypeKind.Record:
                Record(sink, value, (RecordType)type, depth);
                return;
            case CandidTypeKind.Variant:
                var variantType = (VariantType)type;
                if (value is not VariantValue variant) throw Mismatch(value, type);
                var index = variantType.IndexOf(variant.Id);
                if (index < 0) throw Mismatch(value, type, $"the variant has no case {variant.Label}");
                sink.Leb((ulong)index);
                _path.Add(variant.Label);
                Value(sink, variant.Value, variantType.Fields[index].Type, depth + 1);
                _path.RemoveAt(_path.Count - 1);
                return;
            case CandidTypeKind.Func:
                if (value is not FuncValue func) throw Mismatch(value, type);
                sink.Byte(1);
                Principal(sink, func.Service);
                var method = Encoding.UTF8.GetBytes(func.Method);
                sink.Leb((ulong)method.Length);
                sink.Bytes(method);
                return;
            case CandidTypeKind.Service:
                if (value is not ServiceValue service) throw Mismatch(value, type);
                Principal(sink, service.Id);
                return;
            default:
                throw new InvalidOperationException($"Unknown type kind {type.Kind}.");
        }
    }

    private static void Principal(ByteSink sink, Principal principal)
    {
        sink.Byte(1);
        sink.Leb((ulong)principal.Length);
        sink.Bytes(principal.Bytes);
    }

    // Any integer value whose number is in range encodes as any integer type: CandidValue.Nat(5) fills a nat64.
    private BigInteger Integer(CandidValue value, CandidType type, BigInteger? min, BigInteger? max)
    {
        BigInteger n = value switch
        {
            NatValue v => v.Value, IntValue v => v.Value, Nat8Value v => v.Value, Nat16Value v => v.Value,
            Nat32Value v => v.Value, Nat64Value v => v.Value, Int8Value v => v.Value, Int16Value v => v.Value,
            Int32Value v => v.Value, Int64Value v => v.Value,
            _ => throw Mismatch(value, type),
        };
        if (n < min || n > max) throw Mismatch(value, type, "out of range");
        return n;
    }

    private void Vec(ByteSink sink, CandidValue value, VecType type, int depth)
    {
        if (type.IsBlob && value is BlobValue blob)
        {
            sink.Leb((ulong)blob.Bytes.Length);
            sink.Bytes(blob.Bytes);
            return;
        }
        if (value is not VecValue vec) throw Mismatch(value, type);
        sink.Leb((ulong)vec.Items.Count);
        for (var i = 0; i < vec.Items.Count; i++)
        {
            _path.Add($"[{i}]");
            Value(sink, vec.Items[i], type.Element, depth + 1);
            _path.RemoveAt(_path.Count - 1);
        }
    }

    private void Record(ByteSink sink, CandidValue value, RecordType type, int depth)
    {
        if (value is not RecordValue record) throw Mismatch(value, type);
        var given = record.Fields;
        int g = 0;
        foreach (var field in type.Fields)
        {
            if (g < given.Count && given[g].Id < field.Id)
                throw Mismatch(value, type, $"the type has no field {given[g].Label}");
            _path.Add(field.Label);
            if (g < given.Count && given[g].Id == field.Id)
                Value(sink, given[g++].Value, field.Type, depth + 1);
            else if (Subtyping.AcceptsAbsence(TypeGraph.Untie(field.Type)))
                Value(sink, Coercion.Absent(TypeGraph.Untie(field.Type)), field.Type, depth + 1);
            else
                throw Mismatch(value, type, $"field {field.Label} is missing");
            _path.RemoveAt(_path.Count - 1);
        }
        if (g < given.Count) throw Mismatch(value, type, $"the type has no field {given[g].Label}");
    }
}
