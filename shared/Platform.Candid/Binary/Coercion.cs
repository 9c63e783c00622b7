namespace Platform.Candid;

/// <summary>
/// Turns a value of the type a message declares into a value of the type the reader expects, by Candid's coercion:
/// nat into int, records losing extra fields and gaining absent opt fields, values into opt (or null when they do not
/// fit), variants mapped by case id, anything into reserved. Names come from the expected type. Like the reference
/// implementation, the check is on the value (a variant type with a case the reader lacks is fine while that case is
/// not used); function and service references are checked by type.
/// </summary>
internal sealed class Coercion
{
    private readonly Dictionary<(CandidType, CandidType), bool> _subtypes = new(TypeGraph.PairComparer.Instance);
    // Where the coercion is, for error messages: a field label or an index; formatted only when something fails.
    private readonly List<(string? Label, int Index)> _path = [];

    public static IReadOnlyList<CandidValue> Arguments(IReadOnlyList<CandidType> actualTypes, IReadOnlyList<CandidValue> values,
        IReadOnlyList<CandidType> expectedTypes)
    {
        var coercion = new Coercion();
        var result = new CandidValue[expectedTypes.Count];
        for (var i = 0; i < expectedTypes.Count; i++)
        {
            var expected = TypeGraph.Untie(expectedTypes[i]);
            coercion._path.Add(($"argument {i}", 0));
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

    // Failures are values, not exceptions: inside an opt a value that does not coerce reads as null, and that is
    // common enough (a reader without a newer variant case) that throwing for it would be slow and noisy.
    private string? _error;

    private CandidValue? Fail(CandidType actual, CandidType expected, string? detail = null)
    {
        _error = $"Expected {expected}, the message has {actual}{(detail is null ? "" : ": " + detail)} (at {string.Join(", ", _path.Select(p => p.Label ?? $"[{p.Index}]"))})";
        return null;
    }

    private CandidValue Coerce(CandidValue value, CandidType actual, CandidType expected, int depth) =>
        TryCoerce(value, actual, expected, depth) ?? throw new CandidDecodeException(_error!, -1);

    // A failure under an opt is no failure: forget where it happened.
    private CandidValue? Recover(CandidValue? result, int pathLength)
    {
        if (result is null)
        {
            _error = null;
            _path.RemoveRange(pathLength, _path.Count - pathLength);
        }
        return result;
    }

    private bool IsSubtype(CandidType actual, CandidType expected)
    {
        if (!_subtypes.TryGetValue((actual, expected), out var result))
            _subtypes[(actual, expected)] = result = Subtyping.IsSubtype(actual, expected);
        return result;
    }

    private CandidValue? TryCoerce(CandidValue value, CandidType actual, CandidType expected, int depth)
    {
        if (depth > BinaryDecoder.MaxDepth) throw new CandidDecodeException($"Values nest deeper than {BinaryDecoder.MaxDepth} levels", -1);
        actual = TypeGraph.Untie(actual);
        expected = TypeGraph.Untie(expected);
        if (expected.Kind == CandidTypeKind.Reserved) return ReservedValue.Instance;

        if (expected is OptType expectedOpt)
        {
            var inner = TypeGraph.Untie(expectedOpt.Inner);
            var mark = _path.Count;
            switch (actual.Kind)
            {
                case CandidTypeKind.Null or CandidTypeKind.Reserved:
                    return OptValue.None;
                case CandidTypeKind.Opt:
                    return value is OptValue { Value: { } content }
                           && Recover(TryCoerce(content, ((OptType)actual).Inner, inner, depth + 1), mark) is { } coerced
                        ? new OptValue(coerced)
                        : OptValue.None;
                default:
                    // A plain value fills an opt, unless the opt's content could itself be null: then the value
                    // would be ambiguous and reads as null, as does a value that does not fit.
                    if (Subtyping.AcceptsAbsence(inner)) return OptValue.None;
                    return Recover(TryCoerce(value, actual, inner, depth + 1), mark) is { } wrapped ? new OptValue(wrapped) : OptValue.None;
            }
        }

        if (actual.Kind == CandidTypeKind.Nat && expected.Kind == CandidTypeKind.Int)
            return new IntValue(((NatValue)value).Value);
        if (actual.Kind != expected.Kind) return Fail(actual, expected);

        switch (expected)
        {
            case PrimitiveType:
                return value;
            case VecType expectedVec:
            {
                if (value is BlobValue) return value;
                var actualElement = ((VecType)actual).Element;
                var items = ((VecValue)value).Items;
                var result = new CandidValue[items.Count];
                for (var i = 0; i < items.Count; i++)
                {
                    _path.Add((null, i));
                    var item = TryCoerce(items[i], actualElement, expectedVec.Element, depth + 1);
                    if (item is null) return null;
                    _path.RemoveAt(_path.Count - 1);
                    result[i] = item;
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
                    _path.Add((field.Label, 0));
                    var present = actualRecord.FindField(field.Id);
                    CandidValue? fieldValue;
                    if (present is not null)
                        fieldValue = TryCoerce(record.Find(field.Id)!, present.Type, fieldType, depth + 1);
                    else if (Subtyping.AcceptsAbsence(fieldType))
                        fieldValue = Absent(fieldType);
                    else
                        fieldValue = Fail(actual, expected, $"field {field.Label} is missing");
                    if (fieldValue is null) return null;
                    _path.RemoveAt(_path.Count - 1);
                    result[i] = new CandidFieldValue(field.Id, fieldValue, field.Name);
                }
                return new RecordValue(result, true);
            }
            case VariantType expectedVariant:
            {
                var variant = (VariantValue)value;
                var target = expectedVariant.FindField(variant.Id);
                if (target is null) return Fail(actual, expected, $"case {variant.Label} is not in the expected variant");
                var actualCase = ((VariantType)actual).FindField(variant.Id)!;
                _path.Add((target.Label, 0));
                var payload = TryCoerce(variant.Value, actualCase.Type, target.Type, depth + 1);
                if (payload is null) return null;
                _path.RemoveAt(_path.Count - 1);
                return new VariantValue(variant.Id, payload, target.Name);
            }
            case FuncType or ServiceType:
                // References are checked by type: the value says nothing about what the function accepts.
                return IsSubtype(actual, expected) ? value : Fail(actual, expected, "not a subtype");
            default:
                return Fail(actual, expected);
        }
    }
}
