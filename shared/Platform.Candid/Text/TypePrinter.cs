using System.Text;

namespace Platform.Candid;

/// <summary>Writes types as Candid type text. Cycles are cut by names: given ones, else <c>rec_0</c>, <c>rec_1</c>...</summary>
internal sealed class TypePrinter
{
    private static readonly HashSet<string> Keywords =
    [
        "type", "import", "opt", "vec", "record", "variant", "func", "service", "oneway", "query", "composite_query",
        "blob", "principal", "null", "bool", "nat", "int", "nat8", "nat16", "nat32", "nat64", "int8", "int16",
        "int32", "int64", "float32", "float64", "text", "reserved", "empty", "true", "false",
    ];

    // Types from a hostile message can nest a hundred thousand levels; error messages print them, so printing stops
    // descending here (a legitimate type is far shallower) instead of running out of stack.
    private const int MaxDepth = 200;

    private readonly Dictionary<CandidType, string> _names;
    private int _depth;

    private TypePrinter(Dictionary<CandidType, string> names) => _names = names;

    /// <summary>The type text; a recursive type comes as its definitions followed by the type.</summary>
    public static string Print(CandidType type)
    {
        var printer = new TypePrinter(new Dictionary<CandidType, string>(ReferenceEqualityComparer.Instance));
        printer.NameCycles([type]);
        if (printer._names.Count == 0) return printer.Inline(type, top: true);
        return printer.Definitions() + printer.Inline(type);
    }

    public static string PrintFunc(FuncType func)
    {
        var printer = new TypePrinter(new Dictionary<CandidType, string>(ReferenceEqualityComparer.Instance));
        printer.NameCycles([func]);
        return printer.FuncSignature(func);
    }

    /// <summary>A whole service description: named types first, then the service line.</summary>
    public static string PrintService(IReadOnlyDictionary<string, CandidType> types, IReadOnlyList<CandidType> initArgs,
        ServiceType service)
    {
        var names = new Dictionary<CandidType, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, type) in types)
            if (!type.IsPrimitive && !ReferenceEquals(type, CandidType.Blob)) names.TryAdd(type, name);
        var printer = new TypePrinter(names);
        printer.NameCycles(initArgs.Append(service));
        var sb = new StringBuilder(printer.Definitions());
        sb.Append("service : ");
        if (initArgs.Count > 0)
            sb.Append(printer.Tuple(initArgs)).Append(" -> ");
        sb.Append(printer.ServiceBody(service, expand: true)).Append('\n');
        return sb.ToString();
    }

    private string Definitions()
    {
        var sb = new StringBuilder();
        foreach (var (type, name) in _names.ToArray())
            sb.Append("type ").Append(Name(name)).Append(" = ").Append(Inline(type, top: true)).Append(";\n");
        return sb.ToString();
    }

    // A node reached again while it is on the walk's path is a cycle's entry: it needs a name to be printable.
    private void NameCycles(IEnumerable<CandidType> roots)
    {
        var onPath = new HashSet<CandidType>(ReferenceEqualityComparer.Instance);
        var done = new HashSet<CandidType>(ReferenceEqualityComparer.Instance);
        var counter = 0;
        void Visit(CandidType t, int depth)
        {
            if (t.IsPrimitive || done.Contains(t) || depth > MaxDepth) return;
            if (!onPath.Add(t))
            {
                if (!_names.ContainsKey(t))
                {
                    string name;
                    do name = "rec_" + counter++; while (_names.ContainsValue(name));
                    _names[t] = name;
                }
                return;
            }
            foreach (var child in TypeGraph.Children(t)) Visit(child, depth + 1);
            onPath.Remove(t);
            done.Add(t);
        }
        foreach (var root in roots) Visit(root, 0);
    }

    private string Inline(CandidType type, bool top = false)
    {
        if (!top && _names.TryGetValue(type, out var name)) return Name(name);
        if (_depth >= MaxDepth) return "...";
        _depth++;
        try
        {
            return Shape(type);
        }
        finally
        {
            _depth--;
        }
    }

    private string Shape(CandidType type)
    {
        return type switch
        {
            PrimitiveType or FutureType => PrimitiveName(type.Kind),
            OptType opt => "opt " + Inline(opt.Inner),
            VecType { IsBlob: true } => "blob",
            VecType vec => "vec " + Inline(vec.Element),
            RecordType record => Fields("record", record, isVariant: false),
            VariantType variant => Fields("variant", variant, isVariant: true),
            FuncType func => "func " + FuncSignature(func),
            ServiceType service => "service " + ServiceBody(service, expand: false),
            _ => throw new InvalidOperationException($"Unknown type {type.GetType().Name}."),
        };
    }

    private string Fields(string keyword, FieldsType type, bool isVariant)
    {
        if (type.Fields.Count == 0) return keyword + " {}";
        var tuple = type is RecordType { IsTuple: true };
        var parts = type.Fields.Select(f =>
            tuple ? Inline(f.Type)
            : isVariant && f.Type.Kind == CandidTypeKind.Null ? Label(f)
            : Label(f) + " : " + Inline(f.Type));
        return keyword + " { " + string.Join("; ", parts) + " }";
    }

    private string FuncSignature(FuncType func)
    {
        var sb = new StringBuilder(Tuple(func.Args)).Append(" -> ").Append(Tuple(func.Results));
        if ((func.Modes & FuncModes.Query) != 0) sb.Append(" query");
        if ((func.Modes & FuncModes.CompositeQuery) != 0) sb.Append(" composite_query");
        if ((func.Modes & FuncModes.Oneway) != 0) sb.Append(" oneway");
        return sb.ToString();
    }

    private string Tuple(IEnumerable<CandidType> types) => "(" + string.Join(", ", types.Select(t => Inline(t))) + ")";

    private string ServiceBody(ServiceType service, bool expand)
    {
        if (service.Methods.Count == 0) return "{}";
        var methods = service.Methods.Select(m =>
            Name(m.Name) + " : " + (_names.TryGetValue(m.Type, out var n) ? Name(n) : FuncSignature(m.Type)));
        return expand
            ? "{\n" + string.Concat(methods.Select(m => "  " + m + ";\n")) + "}"
            : "{ " + string.Join("; ", methods) + " }";
    }

    private static string Label(CandidField field) =>
        field.Name is null ? field.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : Name(field.Name);

    internal static string Name(string name) => IsPlainIdentifier(name) ? name : ValuePrinter.Quote(name);

    internal static bool IsPlainIdentifier(string name)
    {
        if (name.Length == 0 || Keywords.Contains(name) || !(char.IsAsciiLetter(name[0]) || name[0] == '_')) return false;
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }

    internal static string PrimitiveName(CandidTypeKind kind) => kind switch
    {
        CandidTypeKind.Null => "null", CandidTypeKind.Bool => "bool", CandidTypeKind.Nat => "nat",
        CandidTypeKind.Int => "int", CandidTypeKind.Nat8 => "nat8", CandidTypeKind.Nat16 => "nat16",
        CandidTypeKind.Nat32 => "nat32", CandidTypeKind.Nat64 => "nat64", CandidTypeKind.Int8 => "int8",
        CandidTypeKind.Int16 => "int16", CandidTypeKind.Int32 => "int32", CandidTypeKind.Int64 => "int64",
        CandidTypeKind.Float32 => "float32", CandidTypeKind.Float64 => "float64", CandidTypeKind.Text => "text",
        CandidTypeKind.Reserved => "reserved", CandidTypeKind.Empty => "empty", CandidTypeKind.Principal => "principal",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
