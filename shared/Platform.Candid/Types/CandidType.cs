namespace Platform.Candid;

public enum CandidTypeKind
{
    Null, Bool, Nat, Int, Nat8, Nat16, Nat32, Nat64, Int8, Int16, Int32, Int64, Float32, Float64, Text, Reserved,
    Empty, Principal, Opt, Vec, Record, Variant, Func, Service,
}

/// <summary>
/// A Candid type. Composite types refer to their parts by object reference, so a recursive type is a cycle in the
/// object graph (decoded type tables and parsed <c>type T = ...</c> definitions both produce cycles). Types compare
/// by reference; <see cref="StructurallyEquals"/> compares shapes, cycles included.
/// </summary>
public abstract class CandidType
{
    private protected CandidType() { }

    public abstract CandidTypeKind Kind { get; }

    public bool IsPrimitive => Kind < CandidTypeKind.Opt;

    public static PrimitiveType Null { get; } = new(CandidTypeKind.Null);
    public static PrimitiveType Bool { get; } = new(CandidTypeKind.Bool);
    public static PrimitiveType Nat { get; } = new(CandidTypeKind.Nat);
    public static PrimitiveType Int { get; } = new(CandidTypeKind.Int);
    public static PrimitiveType Nat8 { get; } = new(CandidTypeKind.Nat8);
    public static PrimitiveType Nat16 { get; } = new(CandidTypeKind.Nat16);
    public static PrimitiveType Nat32 { get; } = new(CandidTypeKind.Nat32);
    public static PrimitiveType Nat64 { get; } = new(CandidTypeKind.Nat64);
    public static PrimitiveType Int8 { get; } = new(CandidTypeKind.Int8);
    public static PrimitiveType Int16 { get; } = new(CandidTypeKind.Int16);
    public static PrimitiveType Int32 { get; } = new(CandidTypeKind.Int32);
    public static PrimitiveType Int64 { get; } = new(CandidTypeKind.Int64);
    public static PrimitiveType Float32 { get; } = new(CandidTypeKind.Float32);
    public static PrimitiveType Float64 { get; } = new(CandidTypeKind.Float64);
    public static PrimitiveType Text { get; } = new(CandidTypeKind.Text);
    public static PrimitiveType Reserved { get; } = new(CandidTypeKind.Reserved);
    public static PrimitiveType Empty { get; } = new(CandidTypeKind.Empty);
    public static PrimitiveType Principal { get; } = new(CandidTypeKind.Principal);

    /// <summary><c>vec nat8</c>, shared so that blobs need one type table entry.</summary>
    public static VecType Blob { get; } = new(Nat8);

    public static PrimitiveType Primitive(CandidTypeKind kind) => kind switch
    {
        CandidTypeKind.Null => Null, CandidTypeKind.Bool => Bool, CandidTypeKind.Nat => Nat, CandidTypeKind.Int => Int,
        CandidTypeKind.Nat8 => Nat8, CandidTypeKind.Nat16 => Nat16, CandidTypeKind.Nat32 => Nat32,
        CandidTypeKind.Nat64 => Nat64, CandidTypeKind.Int8 => Int8, CandidTypeKind.Int16 => Int16,
        CandidTypeKind.Int32 => Int32, CandidTypeKind.Int64 => Int64, CandidTypeKind.Float32 => Float32,
        CandidTypeKind.Float64 => Float64, CandidTypeKind.Text => Text, CandidTypeKind.Reserved => Reserved,
        CandidTypeKind.Empty => Empty, CandidTypeKind.Principal => Principal,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a primitive type"),
    };

    public static OptType Opt(CandidType inner) => new(inner);

    public static VecType Vec(CandidType element) => element == Nat8 ? Blob : new VecType(element);

    public static RecordType Record(params IEnumerable<CandidField> fields) => new(fields);

    /// <summary>A record of named fields, in any order.</summary>
    public static RecordType Record(params IEnumerable<(string Name, CandidType Type)> fields) =>
        new(fields.Select(f => new CandidField(f.Name, f.Type)));

    /// <summary>A tuple: a record with fields 0, 1, 2...</summary>
    public static RecordType Tuple(params IEnumerable<CandidType> elements) =>
        new(elements.Select((t, i) => new CandidField((uint)i, t)));

    public static VariantType Variant(params IEnumerable<CandidField> cases) => new(cases);

    public static VariantType Variant(params IEnumerable<(string Name, CandidType Type)> cases) =>
        new(cases.Select(c => new CandidField(c.Name, c.Type)));

    /// <summary>A variant whose cases carry no value (<c>variant { keep; replace }</c>).</summary>
    public static VariantType Enum(params IEnumerable<string> cases) =>
        new(cases.Select(c => new CandidField(c, Null)));

    public static FuncType Func(IEnumerable<CandidType> args, IEnumerable<CandidType> results, FuncModes modes = FuncModes.None) =>
        new(args, results, modes);

    public static ServiceType Service(params IEnumerable<CandidMethod> methods) => new(methods);

    /// <summary>
    /// A recursive type: <paramref name="body"/> gets a stand-in for the type being defined and returns its
    /// definition, which must be composite. <c>Recursive(list =&gt; Opt(Record(("head", Int), ("tail", list))))</c>.
    /// </summary>
    public static CandidType Recursive(Func<CandidType, CandidType> body)
    {
        var knot = new KnotType();
        var definition = body(knot);
        if (definition is KnotType or PrimitiveType)
            throw new ArgumentException("A recursive type's definition must be composite (opt, vec, record, variant, func, service).");
        knot.Tie(definition);
        TypeGraph.ReplaceKnots(definition);
        return definition;
    }

    /// <summary>Candid subtyping (<c>nat &lt;: int</c>, <c>t &lt;: opt t'</c>, records with fewer fields...).</summary>
    public bool IsSubtypeOf(CandidType other) => Subtyping.IsSubtype(this, other);

    /// <summary>Same shape, cycles unfolded: two decodings of one type table compare equal.</summary>
    public static bool StructurallyEquals(CandidType a, CandidType b) => TypeGraph.Equal(a, b);

    /// <summary>Candid type text; a recursive type names its cycles <c>rec_0</c>, <c>rec_1</c>... and defines them first.</summary>
    public override string ToString() => TypePrinter.Print(this);
}

public sealed class PrimitiveType : CandidType
{
    internal PrimitiveType(CandidTypeKind kind) => Kind = kind;

    public override CandidTypeKind Kind { get; }
}

public sealed class OptType : CandidType
{
    private CandidType? _inner;

    public OptType(CandidType inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    internal OptType() { }

    public override CandidTypeKind Kind => CandidTypeKind.Opt;

    public CandidType Inner { get => _inner!; internal set => _inner = value; }
}

public sealed class VecType : CandidType
{
    private CandidType? _element;

    public VecType(CandidType element) => _element = element ?? throw new ArgumentNullException(nameof(element));

    internal VecType() { }

    public override CandidTypeKind Kind => CandidTypeKind.Vec;

    public CandidType Element { get => _element!; internal set => _element = value; }

    public bool IsBlob => _element?.Kind == CandidTypeKind.Nat8;
}

/// <summary>A record field or variant case: its id (the hash of its name, or a number) and its name when known.</summary>
public sealed class CandidField
{
    public CandidField(string name, CandidType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        Id = IdOf(name);
        Name = name;
        Type = type ?? throw new ArgumentNullException(nameof(type));
    }

    public CandidField(uint id, CandidType type, string? name = null)
    {
        if (name is not null && IdOf(name) != id)
            throw new ArgumentException($"Field name '{name}' has id {IdOf(name)}, not {id}.", nameof(name));
        Id = id;
        Name = name;
        Type = type ?? throw new ArgumentNullException(nameof(type));
    }

    public uint Id { get; }

    public string? Name { get; }

    public CandidType Type { get; internal set; }

    /// <summary>A field's id: h(name) = fold (h * 223 + byte) mod 2^32 over the UTF-8 bytes of the name.</summary>
    public static uint IdOf(string name)
    {
        uint h = 0;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(name))
            h = unchecked(h * 223 + b);
        return h;
    }

    /// <summary>The name if known, else the id: how the field is shown.</summary>
    public string Label => Name ?? Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => $"{Label} : {Type}";
}

/// <summary>Shared by records and variants: fields sorted by id, no id twice.</summary>
public abstract class FieldsType : CandidType
{
    private CandidField[] _fields = [];

    private protected FieldsType(IEnumerable<CandidField> fields) => SetFields(fields);

    private protected FieldsType() { }

    /// <summary>Sorted by id, as the binary format orders them.</summary>
    public IReadOnlyList<CandidField> Fields => _fields;

    public CandidField? FindField(uint id)
    {
        int lo = 0, hi = _fields.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var midId = _fields[mid].Id;
            if (midId == id) return _fields[mid];
            if (midId < id) lo = mid + 1; else hi = mid - 1;
        }
        return null;
    }

    public CandidField? FindField(string name) => FindField(CandidField.IdOf(name));

    /// <summary>Index of the field in <see cref="Fields"/>, or -1: a variant value's case number on the wire.</summary>
    public int IndexOf(uint id)
    {
        var field = FindField(id);
        return field is null ? -1 : Array.IndexOf(_fields, field);
    }

    internal void SetFields(IEnumerable<CandidField> fields)
    {
        var sorted = fields.ToArray();
        Array.Sort(sorted, static (a, b) => a.Id.CompareTo(b.Id));
        for (var i = 1; i < sorted.Length; i++)
            if (sorted[i].Id == sorted[i - 1].Id)
                throw new ArgumentException(
                    $"Fields '{sorted[i - 1].Label}' and '{sorted[i].Label}' have the same id {sorted[i].Id}.");
        _fields = sorted;
    }
}

public sealed class RecordType : FieldsType
{
    public RecordType(IEnumerable<CandidField> fields) : base(fields) { }

    internal RecordType() { }

    public override CandidTypeKind Kind => CandidTypeKind.Record;

    /// <summary>Fields numbered 0, 1, 2... with no names: written <c>record { nat; text }</c>.</summary>
    public bool IsTuple
    {
        get
        {
            for (var i = 0; i < Fields.Count; i++)
                if (Fields[i].Id != i || Fields[i].Name is not null) return false;
            return true;
        }
    }
}

public sealed class VariantType : FieldsType
{
    public VariantType(IEnumerable<CandidField> cases) : base(cases) { }

    internal VariantType() { }

    public override CandidTypeKind Kind => CandidTypeKind.Variant;
}

[Flags]
public enum FuncModes
{
    None = 0,
    Query = 1,
    Oneway = 2,
    CompositeQuery = 4,
}

public sealed class FuncType : CandidType
{
    public FuncType(IEnumerable<CandidType> args, IEnumerable<CandidType> results, FuncModes modes = FuncModes.None)
    {
        Args = args.ToArray();
        Results = results.ToArray();
        Modes = modes;
    }

    internal FuncType()
    {
        Args = [];
        Results = [];
    }

    public override CandidTypeKind Kind => CandidTypeKind.Func;

    public IReadOnlyList<CandidType> Args { get; internal set; }

    public IReadOnlyList<CandidType> Results { get; internal set; }

    public FuncModes Modes { get; internal set; }

    public bool IsQuery => (Modes & (FuncModes.Query | FuncModes.CompositeQuery)) != 0;
}

/// <summary>A service method: its name and its function type.</summary>
public sealed class CandidMethod
{
    // A knot while a service description is being parsed (m : SomeFuncType defined later); a FuncType after.
    private CandidType _type;

    public CandidMethod(string name, FuncType type)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        _type = type ?? throw new ArgumentNullException(nameof(type));
    }

    internal CandidMethod(string name, CandidType pendingType)
    {
        Name = name;
        _type = pendingType;
    }

    public string Name { get; }

    public FuncType Type => (FuncType)_type;

    internal CandidType RawType { get => _type; set => _type = value; }

    public override string ToString() => $"{Name} : {TypePrinter.PrintFunc(Type)}";
}

public sealed class ServiceType : CandidType
{
    private CandidMethod[] _methods = [];

    public ServiceType(IEnumerable<CandidMethod> methods) => SetMethods(methods);

    internal ServiceType() { }

    public override CandidTypeKind Kind => CandidTypeKind.Service;

    /// <summary>Sorted by name (ordinal over UTF-8 bytes, as the binary format orders them).</summary>
    public IReadOnlyList<CandidMethod> Methods => _methods;

    public CandidMethod? FindMethod(string name) => Array.Find(_methods, m => m.Name == name);

    // The parser's methods may still point at knots; names are checked for duplicates where they are parsed.
    internal void SetMethodsUnchecked(IEnumerable<CandidMethod> methods)
    {
        _methods = methods.ToArray();
        Array.Sort(_methods, static (a, b) => CompareNames(a.Name, b.Name));
    }

    internal void SetMethods(IEnumerable<CandidMethod> methods)
    {
        var sorted = methods.ToArray();
        Array.Sort(sorted, static (a, b) => CompareNames(a.Name, b.Name));
        for (var i = 1; i < sorted.Length; i++)
            if (sorted[i].Name == sorted[i - 1].Name)
                throw new ArgumentException($"Method '{sorted[i].Name}' is defined twice.");
        _methods = sorted;
    }

    // Method names sort by their UTF-8 bytes; ordinal UTF-16 comparison differs for characters above U+FFFF.
    internal static int CompareNames(string a, string b) =>
        System.Text.Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b));
}

/// <summary>
/// A type table entry with an opcode from a later Candid version. It behaves as reserved: a reader can skip its values
/// and take them as null under an opt, and re-encoding writes reserved.
/// </summary>
internal sealed class FutureType(int opcode) : CandidType
{
    public int Opcode { get; } = opcode;

    public override CandidTypeKind Kind => CandidTypeKind.Reserved;
}

/// <summary>The stand-in for a type under definition; never reachable once a definition is tied.</summary>
internal sealed class KnotType : CandidType
{
    public CandidType? Target { get; private set; }

    public override CandidTypeKind Kind => Target?.Kind ?? throw new InvalidOperationException("An untied recursive type.");

    public void Tie(CandidType target) => Target = target;
}
