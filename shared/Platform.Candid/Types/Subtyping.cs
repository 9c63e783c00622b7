namespace Platform.Candid;

/// <summary>Candid's subtype relation, as a decoder needs it to decide between a value and null.</summary>
internal static class Subtyping
{
    public static bool IsSubtype(CandidType actual, CandidType expected) =>
        IsSubtype(actual, expected, new HashSet<(CandidType, CandidType)>(TypeGraph.PairComparer.Instance), 0);

    /// <summary>
    /// Types that contain null (null, opt, reserved): a missing field or argument of such a type decodes as null, and
    /// a plain value does not fill an opt of such a type.
    /// </summary>
    public static bool AcceptsAbsence(CandidType type) =>
        type.Kind is CandidTypeKind.Opt or CandidTypeKind.Null or CandidTypeKind.Reserved;

    // The type relation is stricter than value coercion here: a missing field or result may be opt or reserved, not null.
    private static bool OptionalInSubtype(CandidType type) => type.Kind is CandidTypeKind.Opt or CandidTypeKind.Reserved;

    // Coinductive, like type equality: a pair under inspection is assumed to hold.
    private static bool IsSubtype(CandidType t, CandidType e, HashSet<(CandidType, CandidType)> assumed, int depth)
    {
        if (ReferenceEquals(t, e)) return true;
        if (depth > TypeGraph.MaxDepth) return false;
        if (e.Kind == CandidTypeKind.Reserved || t.Kind == CandidTypeKind.Empty) return true;
        // Anything goes into an opt: what does not fit becomes null.
        if (e.Kind == CandidTypeKind.Opt) return true;
        if (t.Kind == CandidTypeKind.Nat && e.Kind == CandidTypeKind.Int) return true;
        if (t.Kind != e.Kind) return false;
        if (t.IsPrimitive) return true;
        if (!assumed.Add((t, e))) return true;
        switch (t, e)
        {
            case (VecType x, VecType y):
                return IsSubtype(x.Element, y.Element, assumed, depth + 1);
            case (RecordType x, RecordType y):
                foreach (var field in y.Fields)
                {
                    var present = x.FindField(field.Id);
                    if (present is null ? !OptionalInSubtype(field.Type) : !IsSubtype(present.Type, field.Type, assumed, depth + 1))
                        return false;
                }
                return true;
            case (VariantType x, VariantType y):
                foreach (var @case in x.Fields)
                {
                    var target = y.FindField(@case.Id);
                    if (target is null || !IsSubtype(@case.Type, target.Type, assumed, depth + 1)) return false;
                }
                return true;
            case (FuncType x, FuncType y):
                return x.Modes == y.Modes
                    && TupleSubtype(y.Args, x.Args, assumed, depth)
                    && TupleSubtype(x.Results, y.Results, assumed, depth);
            case (ServiceType x, ServiceType y):
                foreach (var method in y.Methods)
                {
                    var present = x.FindMethod(method.Name);
                    if (present is null || !IsSubtype(present.Type, method.Type, assumed, depth + 1)) return false;
                }
                return true;
            default:
                return false;
        }
    }

    // Argument and result sequences behave like records with fields 0, 1, 2...
    private static bool TupleSubtype(IReadOnlyList<CandidType> actual, IReadOnlyList<CandidType> expected,
        HashSet<(CandidType, CandidType)> assumed, int depth)
    {
        for (var i = 0; i < expected.Count; i++)
        {
            if (i < actual.Count ? !IsSubtype(actual[i], expected[i], assumed, depth + 1) : !OptionalInSubtype(expected[i]))
                return false;
        }
        return true;
    }
}
