using System.Runtime.CompilerServices;

namespace Platform.Candid;

/// <summary>Walks over type graphs that may be cyclic.</summary>
internal static class TypeGraph
{
    /// <summary>Points every reference to a knot at the knot's target, so no knot stays reachable.</summary>
    public static void ReplaceKnots(CandidType root)
    {
        var seen = new HashSet<CandidType>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<CandidType>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var type = pending.Pop();
            if (!seen.Add(type)) continue;
            switch (type)
            {
                case OptType opt:
                    opt.Inner = Untie(opt.Inner);
                    pending.Push(opt.Inner);
                    break;
                case VecType vec:
                    vec.Element = Untie(vec.Element);
                    pending.Push(vec.Element);
                    break;
                case FieldsType fields:
                    foreach (var field in fields.Fields)
                    {
                        field.Type = Untie(field.Type);
                        pending.Push(field.Type);
                    }
                    break;
                case FuncType func:
                    func.Args = func.Args.Select(Untie).ToArray();
                    func.Results = func.Results.Select(Untie).ToArray();
                    foreach (var t in func.Args.Concat(func.Results)) pending.Push(t);
                    break;
                case ServiceType service:
                    foreach (var method in service.Methods)
                    {
                        method.RawType = Untie(method.RawType);
                        pending.Push(method.RawType);
                    }
                    break;
            }
        }
    }

    public static CandidType Untie(CandidType type)
    {
        var hops = 0;
        while (type is KnotType knot)
        {
            type = knot.Target ?? throw new InvalidOperationException("An untied recursive type.");
            if (++hops > 10_000) throw new InvalidOperationException("A recursive type defined as itself.");
        }
        return type;
    }

    public static IEnumerable<CandidType> Children(CandidType type) => type switch
    {
        OptType opt => [opt.Inner],
        VecType vec => [vec.Element],
        FieldsType fields => fields.Fields.Select(f => f.Type),
        FuncType func => func.Args.Concat(func.Results),
        ServiceType service => service.Methods.Select(m => m.RawType),
        _ => [],
    };

    public static bool Equal(CandidType a, CandidType b) => Equal(a, b, new HashSet<(CandidType, CandidType)>(PairComparer.Instance), 0);

    // Coinductive: a pair under comparison is assumed equal, which is what makes cyclic graphs terminate.
    private static bool Equal(CandidType a, CandidType b, HashSet<(CandidType, CandidType)> assumed, int depth)
    {
        if (ReferenceEquals(a, b)) return true;
        if (depth > MaxDepth) return false;
        if (a.Kind != b.Kind) return false;
        if (a.IsPrimitive) return true;
        if (!assumed.Add((a, b))) return true;
        switch (a, b)
        {
            case (OptType x, OptType y):
                return Equal(x.Inner, y.Inner, assumed, depth + 1);
            case (VecType x, VecType y):
                return Equal(x.Element, y.Element, assumed, depth + 1);
            case (FieldsType x, FieldsType y):
                if (x.Fields.Count != y.Fields.Count) return false;
                for (var i = 0; i < x.Fields.Count; i++)
                    if (x.Fields[i].Id != y.Fields[i].Id || !Equal(x.Fields[i].Type, y.Fields[i].Type, assumed, depth + 1))
                        return false;
                return true;
            case (FuncType x, FuncType y):
                return x.Modes == y.Modes && x.Args.Count == y.Args.Count && x.Results.Count == y.Results.Count
                    && x.Args.Zip(y.Args).All(p => Equal(p.First, p.Second, assumed, depth + 1))
                    && x.Results.Zip(y.Results).All(p => Equal(p.First, p.Second, assumed, depth + 1));
            case (ServiceType x, ServiceType y):
                return x.Methods.Count == y.Methods.Count
                    && x.Methods.Zip(y.Methods).All(p => p.First.Name == p.Second.Name && Equal(p.First.Type, p.Second.Type, assumed, depth + 1));
            default:
                return false;
        }
    }

    /// <summary>True when the type's values may take no bytes at all (null, reserved, records of such).</summary>
    public static bool MayBeZeroSized(CandidType type) => MayBeZeroSized(type, new HashSet<CandidType>(ReferenceEqualityComparer.Instance));

    // Past this depth (only a hostile type table gets there) answers are the cautious ones instead of a stack overflow.
    internal const int MaxDepth = 500;

    private static bool MayBeZeroSized(CandidType type, HashSet<CandidType> visiting)
    {
        if (visiting.Count > MaxDepth) return true;
        switch (type.Kind)
        {
            case CandidTypeKind.Null or CandidTypeKind.Reserved:
                return true;
            case CandidTypeKind.Record:
                // A cycle back into a record under inspection counts as zero-sized: the cautious answer.
                if (!visiting.Add(type)) return true;
                var result = ((RecordType)type).Fields.All(f => MayBeZeroSized(f.Type, visiting));
                visiting.Remove(type);
                return result;
            default:
                return false;
        }
    }

    internal sealed class PairComparer : IEqualityComparer<(CandidType, CandidType)>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals((CandidType, CandidType) x, (CandidType, CandidType) y) =>
            ReferenceEquals(x.Item1, y.Item1) && ReferenceEquals(x.Item2, y.Item2);

        public int GetHashCode((CandidType, CandidType) pair) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(pair.Item1), RuntimeHelpers.GetHashCode(pair.Item2));
    }
}
