using System.Globalization;
using System.Numerics;
using System.Text;

namespace Platform.Candid;

/// <summary>
/// Gives parsed values their types: against an expected type (a literal 42 becomes a nat where the type says nat),
/// or, with none, the type the text implies (42 is an int, 1.5 a float64, vec { ... } takes its first element's type).
/// </summary>
internal sealed class ValueTyper
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly Parser _parser;

    public ValueTyper(Parser parser) => _parser = parser;

    private CandidParseException Error(int position, string message) => _parser.Error(position, message);

    public CandidArgs Arguments(List<ValueNode> nodes, IReadOnlyList<CandidType>? expected, int closePosition)
    {
        if (expected is null)
        {
            var types = new CandidType[nodes.Count];
            var values = new CandidValue[nodes.Count];
            for (var i = 0; i < nodes.Count; i++) (values[i], types[i]) = Infer(nodes[i]);
            return new CandidArgs(types, values);
        }
        if (nodes.Count > expected.Count)
            throw Error(nodes[expected.Count].Position, $"{nodes.Count} arguments given, the type takes {expected.Count}");
        var result = new CandidValue[expected.Count];
        for (var i = 0; i < expected.Count; i++)
        {
            var type = TypeGraph.Untie(expected[i]);
            if (i < nodes.Count) result[i] = Check(nodes[i], type);
            else if (Subtyping.AcceptsAbsence(type)) result[i] = Coercion.Absent(type);
            else throw Error(closePosition, $"argument {i} of type {type} is missing ({nodes.Count} given, {expected.Count} expected)");
        }
        return new CandidArgs(expected, result);
    }

    public (CandidValue Value, CandidType Type) Infer(ValueNode node)
    {
        switch (node)
        {
            case ValueNode.Annotated a:
                return (Check(a.Value, a.Type), a.Type);
            case ValueNode.Number n:
                return n.IsFloat ? (Check(n, CandidType.Float64), CandidType.Float64) : (Check(n, CandidType.Int), CandidType.Int);
            case ValueNode.Text:
                return (Check(node, CandidType.Text), CandidType.Text);
            case ValueNode.Bool b:
                return (CandidValue.Bool(b.Value), CandidType.Bool);
            case ValueNode.Null:
                return (CandidValue.Null, CandidType.Null);
            case ValueNode.Opt o:
            {
                var (value, type) = Infer(o.Value);
                return (new OptValue(value), new OptType(type));
            }
            case ValueNode.Blob b:
                return (new BlobValue(b.Bytes), CandidType.Blob);
            case ValueNode.Principal p:
                return (new PrincipalValue(ParsePrincipal(p.Id)), CandidType.Principal);
            case ValueNode.Service s:
                return (new ServiceValue(ParsePrincipal(s.Id)), new ServiceType([]));
            case ValueNode.Func f:
                return (new FuncValue(ParsePrincipal(f.Target), f.Method), new FuncType([], []));
            case ValueNode.Vec v:
            {
                if (v.Items.Count == 0) return (new VecValue([]), new VecType(CandidType.Empty));
                var (first, elementType) = Infer(v.Items[0]);
                var vecType = CandidType.Vec(elementType);
                if (vecType.IsBlob) return (Check(v, vecType), vecType);
                var items = new CandidValue[v.Items.Count];
                items[0] = first;
                for (var i = 1; i < items.Length; i++) items[i] = Check(v.Items[i], elementType);
                return (new VecValue(items), vecType);
            }
            case ValueNode.Record r:
            {
                var fields = new List<CandidField>(r.Fields.Count);
                var values = new List<CandidFieldValue>(r.Fields.Count);
                foreach (var field in r.Fields)
                {
                    var (value, type) = Infer(field.Value);
                    fields.Add(new CandidField(field.Id, type, field.Name));
                    values.Add(new CandidFieldValue(field.Id, value, field.Name));
                }
                return (new RecordValue(values), new RecordType(fields));
            }
            case ValueNode.Variant v:
            {
                var (value, type) = Infer(v.Case.Value);
                return (new VariantValue(v.Case.Id, value, v.Case.Name),
                    new VariantType([new CandidField(v.Case.Id, type, v.Case.Name)]));
            }
            default:
                throw Error(node.Position, "unknown value");
        }
    }

    public CandidValue Check(ValueNode node, CandidType expected)
    {
        expected = TypeGraph.Untie(expected);
        if (node is ValueNode.Annotated annotated)
        {
            var value = Check(annotated.Value, annotated.Type);
            if (ReferenceEquals(annotated.Type, expected) || CandidType.StructurallyEquals(annotated.Type, expected)) return value;
            if (!Subtyping.IsSubtype(annotated.Type, expected))
                throw Error(annotated.TypePosition, $"the annotation {annotated.Type} does not fit the expected type {expected}");
            return Coercion.Value(value, annotated.Type, expected);
        }

        switch (expected.Kind)
        {
            case CandidTypeKind.Reserved:
                Infer(node); // still a value that must make sense on its own
                return CandidValue.Reserved;
            case CandidTypeKind.Opt:
            {
                var inner = ((OptType)expected).Inner;
                return node switch
                {
                    ValueNode.Null => OptValue.None,
                    ValueNode.Opt o => new OptValue(Check(o.Value, inner)),
                    // Writing the opt is optional where the content is unambiguous: 5 for opt nat means opt 5.
                    _ when TypeGraph.Untie(inner).Kind is not (CandidTypeKind.Opt or CandidTypeKind.Null or CandidTypeKind.Reserved)
                        => new OptValue(Check(node, inner)),
                    _ => throw Mismatch(node, expected),
                };
            }
            case CandidTypeKind.Null:
                return node is ValueNode.Null ? CandidValue.Null : throw Mismatch(node, expected);
            case CandidTypeKind.Bool:
                return node is ValueNode.Bool b ? CandidValue.Bool(b.Value) : throw Mismatch(node, expected);
            case CandidTypeKind.Text:
                return node is ValueNode.Text t ? new TextValue(Utf8(t.Bytes, t.Position)) : throw Mismatch(node, expected);
            case CandidTypeKind.Principal:
                return node is ValueNode.Principal p ? new PrincipalValue(ParsePrincipal(p.Id)) : throw Mismatch(node, expected);
            case CandidTypeKind.Service:
                return node is ValueNode.Service s ? new ServiceValue(ParsePrincipal(s.Id)) : throw Mismatch(node, expected);
            case CandidTypeKind.Func:
                return node is ValueNode.Func f ? new FuncValue(ParsePrincipal(f.Target), f.Method) : throw Mismatch(node, expected);
            case CandidTypeKind.Empty:
                throw Error(node.Position, "the type is empty: no value fits it");
            case CandidTypeKind.Float32 or CandidTypeKind.Float64:
                if (node is not ValueNode.Number fn) throw Mismatch(node, expected);
                var d = ParseFloat(fn);
                return expected.Kind == CandidTypeKind.Float64 ? new Float64Value(d) : new Float32Value((float)d);
            case CandidTypeKind.Nat or CandidTypeKind.Int or CandidTypeKind.Nat8 or CandidTypeKind.Nat16 or CandidTypeKind.Nat32
                or CandidTypeKind.Nat64 or CandidTypeKind.Int8 or CandidTypeKind.Int16 or CandidTypeKind.Int32 or CandidTypeKind.Int64:
                if (node is not ValueNode.Number number) throw Mismatch(node, expected);
                return Integer(number, expected.Kind);
            case CandidTypeKind.Vec:
            {
                var vecType = (VecType)expected;
                if (vecType.IsBlob)
                {
                    if (node is ValueNode.Blob blob) return new BlobValue(blob.Bytes);
                    if (node is not ValueNode.Vec bytes) throw Mismatch(node, expected);
                    var result = new byte[bytes.Items.Count];
                    for (var i = 0; i < result.Length; i++) result[i] = ((Nat8Value)Check(bytes.Items[i], CandidType.Nat8)).Value;
                    return new BlobValue(result);
                }
                if (node is not ValueNode.Vec vec) throw Mismatch(node, expected);
                var items = new CandidValue[vec.Items.Count];
                for (var i = 0; i < items.Length; i++) items[i] = Check(vec.Items[i], vecType.Element);
                return new VecValue(items);
            }
            case CandidTypeKind.Record:
            {
                var recordType = (RecordType)expected;
                if (node is not ValueNode.Record record) throw Mismatch(node, expected);
                foreach (var field in record.Fields)
                    if (recordType.FindField(field.Id) is null)
                        throw Error(field.Position, $"field {field.Label} is not in the record type {expected}");
                var values = new CandidFieldValue[recordType.Fields.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    var fieldType = recordType.Fields[i];
                    var given = record.Fields.Find(f => f.Id == fieldType.Id);
                    CandidValue value;
                    if (given is not null) value = Check(given.Value, fieldType.Type);
                    else if (Subtyping.AcceptsAbsence(TypeGraph.Untie(fieldType.Type))) value = Coercion.Absent(TypeGraph.Untie(fieldType.Type));
                    else throw Error(record.Position, $"field {fieldType.Label} : {fieldType.Type} is missing");
                    values[i] = new CandidFieldValue(fieldType.Id, value, fieldType.Name);
                }
                return new RecordValue(values, true);
            }
            case CandidTypeKind.Variant:
            {
                var variantType = (VariantType)expected;
                if (node is not ValueNode.Variant variant) throw Mismatch(node, expected);
                var @case = variantType.FindField(variant.Case.Id)
                    ?? throw Error(variant.Case.Position, $"case {variant.Case.Label} is not in the variant type {expected}");
                return new VariantValue(@case.Id, Check(variant.Case.Value, @case.Type), @case.Name);
            }
            default:
                throw Mismatch(node, expected);
        }
    }

    private CandidParseException Mismatch(ValueNode node, CandidType expected)
    {
        var found = node switch
        {
            ValueNode.Number n => $"the number {n.Raw}",
            ValueNode.Text => "a text",
            ValueNode.Bool b => b.Value ? "true" : "false",
            ValueNode.Null => "null",
            ValueNode.Opt => "an opt",
            ValueNode.Blob => "a blob",
            ValueNode.Principal => "a principal",
            ValueNode.Service => "a service",
            ValueNode.Func => "a func",
            ValueNode.Vec => "a vec",
            ValueNode.Record => "a record",
            ValueNode.Variant => "a variant",
            _ => "a value",
        };
        return Error(node.Position, $"expected a value of type {expected}, found {found}");
    }

    private string Utf8(byte[] bytes, int position)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw Error(position, "the text is not valid UTF-8 (use blob for bytes)"); }
    }

    private Principal ParsePrincipal((string Text, int Position) id) =>
        Principal.TryParse(id.Text, out var principal, out var error) ? principal : throw Error(id.Position, error);

    private CandidValue Integer(ValueNode.Number number, CandidTypeKind kind)
    {
        if (number.IsFloat) throw Error(number.Position, $"{number.Raw} is not a whole number, the type is {TypePrinter.PrimitiveName(kind)}");
        var raw = number.Raw.Replace("_", "");
        var negative = raw.StartsWith('-');
        if (raw[0] is '-' or '+') raw = raw[1..];
        var n = raw.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? BigInteger.Parse("0" + raw[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
            : BigInteger.Parse(raw, NumberStyles.None, CultureInfo.InvariantCulture);
        if (negative) n = -n;
        var (min, max) = Range(kind);
        if (n < min || n > max)
            throw Error(number.Position, $"{number.Raw} is out of range for {TypePrinter.PrimitiveName(kind)}");
        return kind switch
        {
            CandidTypeKind.Nat => new NatValue(n),
            CandidTypeKind.Int => new IntValue(n),
            CandidTypeKind.Nat8 => new Nat8Value((byte)n),
            CandidTypeKind.Nat16 => new Nat16Value((ushort)n),
            CandidTypeKind.Nat32 => new Nat32Value((uint)n),
            CandidTypeKind.Nat64 => new Nat64Value((ulong)n),
            CandidTypeKind.Int8 => new Int8Value((sbyte)n),
            CandidTypeKind.Int16 => new Int16Value((short)n),
            CandidTypeKind.Int32 => new Int32Value((int)n),
            _ => new Int64Value((long)n),
        };
    }

    private static (BigInteger? Min, BigInteger? Max) Range(CandidTypeKind kind) => kind switch
    {
        CandidTypeKind.Nat => (0, null),
        CandidTypeKind.Nat8 => (0, byte.MaxValue),
        CandidTypeKind.Nat16 => (0, ushort.MaxValue),
        CandidTypeKind.Nat32 => (0, uint.MaxValue),
        CandidTypeKind.Nat64 => (0, ulong.MaxValue),
        CandidTypeKind.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        CandidTypeKind.Int16 => (short.MinValue, short.MaxValue),
        CandidTypeKind.Int32 => (int.MinValue, int.MaxValue),
        CandidTypeKind.Int64 => (long.MinValue, long.MaxValue),
        _ => (null, null),
    };

    private double ParseFloat(ValueNode.Number number)
    {
        switch (number.Raw)
        {
            case "nan": return double.NaN;
            case "inf": return double.PositiveInfinity;
            case "-inf": return double.NegativeInfinity;
        }
        var raw = number.Raw.Replace("_", "");
        if (!number.IsFloat) return (double)((IntValue)Integer(number, CandidTypeKind.Int)).Value;
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw Error(number.Position, $"{number.Raw} is not a number");
    }
}
