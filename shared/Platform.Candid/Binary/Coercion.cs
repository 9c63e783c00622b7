namespace Platform.Candid;

/// <summary>
/// Turns a value of the type a message declares into a value of the type the reader expects, by Candid's subtyping:
/// nat into int, records losing extra fields and gaining absent opt fields, values into opt (or null when they do not
/// fit), variants mapped by case id, anything into reserved. Names come from the expected type.
/// </summary>
internal sealed class Coercion
{
    private readonly Dictionary<(CandidType, CandidType), bool> _subtypes = new(TypeGraph.PairComparer.Instance);
    private readonly List<string> _path = [];

    public static IReadOnlyList<CandidValue> Arguments(IReadOnlyList<CandidType> actualTypes, IReadOnlyList<CandidValue> values,
        IReadOnlyList<CandidType> expectedTypes)
    {
        var coercion = new Coercion();
        var result = new CandidValue[expectedTypes.Count];
        for (var i = 0; i < expectedTypes.Count; i++)
        {
            var expected = TypeGraph.Untie(expectedTypes[i]);
            coercion._path.Add($"argument {i}");
            if (i < values.Count)
                result[i] = coercion.Coerce(values[i], actualTypes[i], expected, 0);
            else if (Subtyping.AcceptsAbsence(expected))
                result[i] = Absent(expected);
            else
                throw new CandidDecodeException(
                    $"The message has {values.Count} argument(s); argument {i} of type {expected} is missing", -1);
            coercion._path.RemoveAt(coercion._path.Count - 1);
        }
        return result;
    }

    public static CandidValue Value(CandidValue value, CandidType actual, CandidType expected) =>
        new Coercion().Coerce(value, actual, expected, 0);

    /// <summary>The value a missing field or argument of an opt, null or reserved type stands for.</summary>
    public static CandidValue Absent(CandidType type) => type.Kind switch
    {
        CandidTypeKind.Opt => OptValue.None,
        CandidTypeKind.Null => NullValue.Instance,
        CandidTypeKind.Reserved => ReservedValue.Instance,
        _ => throw new InvalidOperationException($"{type} has no value for absence."),
    };

    private CandidDecodeException Mismatch(CandidType actual, CandidType expected, string? detail = null) =>
        new($"Expected {expected}, the message has {actual}{(detail is null ? "" : ": " + detail)} (at {string.Join(", ", _path)})", -1);

    private bool IsSubtype(CandidType actual, CandidType expected)
    {
        if (!_subtypes.TryGetValue((actual, expected), out var result))
            _subtypes[(actual, expected)] = result = Subtyping.IsSubtype(actual, expected);
        return result;
    }

    private CandidValue Coerce(CandidValue value, CandidType actual, CandidType expected, int depth)
    {
        if (depth > BinaryDecoder.MaxDepth) throw new CandidDecodeException($"Values nest deeper than {BinaryDecoder.MaxDepth} levels", -1);
        actual = TypeGraph.Untie(actual);
        expected = TypeGraph.Untie(expected);
        if (expected.Kind == CandidTypeKind.Reserved) return ReservedValue.Instance;

        if (expected is OptType expectedOpt)
        {
            switch (actual.Kind)
            {
                case CandidTypeKind.Null or CandidTypeKind.Reserved:
                    return OptValue.None;
                case CandidTypeKind.Opt:
                    var inner = ((OptType)actual).Inner;
                    return value is OptValue { Value: { } content } && IsSubtype(inner, expectedOpt.Inner)
                        ? new OptValue(Coerce(content, inner, expectedOpt.Inner, depth + 1))
                        : OptValue.None;
                default:
                    // The special opt rule: a value that does not fit the opt's content reads as null.
                    return IsSubtype(actual, expectedOpt.Inner)
                        ? new OptValue(Coerce(value, actual, expectedOpt.Inner, depth + 1))
                        : OptValue.None;
            }
        }

        if (actual.Kind == CandidTypeKind.Nat && expected.Kind == CandidTypeKind.Int)
            return new IntValue(((NatValue)value).Value);
        if (actual.Kind != expected.Kind) throw Mismatch(actual, expected);

        switch (expected)
        {
            case PrimitiveType:
                return value;
            case VecType expectedVec:
            {
                var actualElement = ((VecType)actual).Element;
                if (value is BlobValue) return value;
                var items = ((VecValue)value).Items;
                var result = new CandidValue[items.Count];
                for (var i = 0; i < items.Count; i++)
                {
                    _path.Add($"[{i}]");
                    result[i] = Coerce(items[i], actualElement, expectedVec.Element, depth + 1);
                    _path.RemoveAt(_path.Count - 1);
                }
                return new VecValue(result);
            }
            case RecordType expectedRecord:
            {
                var actualRecord = (RecordType)actual;
                var record = (RecordValue)value;
                var result = new CandidFieldValue[expectedRecord.Fields.Count];
                for (var i = 0; i < result.Length; i++)
                {
                    var field = expectedRecord.Fields[i];
                    var fieldType = TypeGraph.Untie(field.Type);
                    _path.Add(field.Label);
                    var present = actualRecord.FindField(field.Id);
                    CandidValue fieldValue;
                    if (present is not null)
                        fieldValue = Coerce(record.Find(field.Id)!, present.Type, fieldType, depth + 1);
                    else if (Subtyping.AcceptsAbsence(fieldType))
                        fieldValue = Absent(fieldType);
                    else
                        throw Mismatch(actual, expected, $"field {field.Label} is missing");
                    _path.RemoveAt(_path.Count - 1);
                    result[i] = new CandidFieldValue(field.Id, fieldValue, field.Name);
                }
                return new RecordValue(result, true);
            }
            case VariantType expectedVariant:
            {
                var variant = (VariantValue)value;
                var target = expectedVariant.FindField(variant.Id)
                    ?? throw Mismatch(actual, expected, $"case {variant.Label} is not in the expected variant");
                var actualCase = ((VariantType)actual).FindField(variant.Id)!;
                _path.Add(target.Label);
                var payload = Coerce(variant.Value, actualCase.Type, target.Type, depth + 1);
                _path.RemoveAt(_path.Count - 1);
                return new VariantValue(variant.Id, payload, target.Name);
            }
            case FuncType or ServiceType:
                if (!IsSubtype(actual, expected)) throw Mismatch(actual, expected, "not a subtype");
                return value;
            default:
                throw Mismatch(actual, expected);
        }
    }
}
