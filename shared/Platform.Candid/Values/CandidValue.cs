using System.Numerics;

namespace Platform.Candid;

/// <summary>
/// A Candid value. Values do not carry their type: the binary encoder takes a type per value, and decoding returns
/// both. Records and variants name their fields by id; names ride along when a type supplied them and do not take
/// part in equality.
/// </summary>
public abstract record CandidValue
{
    private protected CandidValue() { }

    public static NullValue Null => NullValue.Instance;
    public static ReservedValue Reserved => ReservedValue.Instance;
    public static OptValue None => OptValue.None;

    public static BoolValue Bool(bool value) => value ? BoolValue.True : BoolValue.False;
    public static NatValue Nat(BigInteger value) => new(value);
    public static IntValue Int(BigInteger value) => new(value);
    public static TextValue Text(string value) => new(value);
    public static PrincipalValue Principal(Principal value) => new(value);
    public static BlobValue Blob(byte[] bytes) => new(bytes);
    public static OptValue Some(CandidValue value) => new(value);
    public static VecValue Vec(params IEnumerable<CandidValue> items) => new([.. items]);
    public static RecordValue Record(params IEnumerable<(string Name, CandidValue Value)> fields) =>
        new(fields.Select(f => new CandidFieldValue(f.Name, f.Value)));
    public static RecordValue Tuple(params IEnumerable<CandidValue> items) =>
        new(items.Select((v, i) => new CandidFieldValue((uint)i, v)));
    public static VariantValue Variant(string name, CandidValue? value = null) =>
        new(CandidField.IdOf(name), value ?? NullValue.Instance, name);

    // Accessors for code that knows the shape it reads; a wrong guess is an InvalidCastException naming both.
    public BigInteger AsNat() => this switch
    {
        NatValue n => n.Value, Nat8Value n => n.Value, Nat16Value n => n.Value, Nat32Value n => n.Value, Nat64Value n => n.Value,
        _ => throw WrongShape("a natural number"),
    };

    public BigInteger AsInt() => this switch
    {
        IntValue i => i.Value, Int8Value i => i.Value, Int16Value i => i.Value, Int32Value i => i.Value, Int64Value i => i.Value,
        _ => AsNat(),
    };

    public bool AsBool() => this is BoolValue b ? b.Value : throw WrongShape("a bool");
    public string AsText() => this is TextValue t ? t.Value : throw WrongShape("text");
    public Principal AsPrincipal() => this is PrincipalValue p ? p.Value : throw WrongShape("a principal");
    public byte[] AsBlob() => this is BlobValue b ? b.Bytes : throw WrongShape("a blob");
    public RecordValue AsRecord() => this as RecordValue ?? throw WrongShape("a record");
    public VariantValue AsVariant() => this as VariantValue ?? throw WrongShape("a variant");
    public IReadOnlyList<CandidValue> AsVec() => this switch
    {
        VecValue v => v.Items,
        BlobValue b => b.Bytes.Select(x => (CandidValue)new Nat8Value(x)).ToArray(),
        _ => throw WrongShape("a vec"),
    };

    /// <summary>The content of an opt, or null for <c>null</c> (an opt that is absent, or the null value).</summary>
    public CandidValue? AsOpt() => this switch
    {
        OptValue o => o.Value,
        NullValue or ReservedValue => null,
        _ => throw WrongShape("an opt"),
    };

    private InvalidCastException WrongShape(string expected) => new($"Expected {expected}, found {GetType().Name}: {this}");

    /// <summary>Candid value text (untyped numbers print as in <c>42 : nat</c> where the kind is not int).</summary>
    public override string ToString() => ValuePrinter.Print(this);
}

public sealed record NullValue : CandidValue
{
    public static readonly NullValue Instance = new();
    private NullValue() { }
    public override string ToString() => "null";
}

public sealed record ReservedValue : CandidValue
{
    public static readonly ReservedValue Instance = new();
    private ReservedValue() { }
    public override string ToString() => "null : reserved";
}

public sealed record BoolValue(bool Value) : CandidValue
{
    public static readonly BoolValue True = new(true);
    public static readonly BoolValue False = new(false);
    public override string ToString() => Value ? "true" : "false";
}

public sealed record NatValue : CandidValue
{
    public NatValue(BigInteger value) =>
        Value = value.Sign >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A nat is not negative.");
    public BigInteger Value { get; }
    public override string ToString() => ValuePrinter.Print(this);
}

public sealed record IntValue(BigInteger Value) : CandidValue
{
    public override string ToString() => ValuePrinter.Print(this);
}

public sealed record Nat8Value(byte Value) : CandidValue { public override string ToString() => ValuePrinter.Print(this); }
public sealed record Nat16Value(ushort Value) : CandidValue { public override string ToString() => ValuePrinter.Print(this); }
public sealed record Nat32Value(uint Value) : CandidValue { public override string ToString() => ValuePrinter.Print(this); }
public sealed record Nat64Value(ulong Value) : CandidValue { public override string ToString() => ValuePrinter.Print(this); }
public sealed record Int8Value(sbyte Value) : CandidValue { public override string ToString() => ValuePrinter.Print(this); }
public sealed record Int16Value(short Value) : CandidValue { public override string ToString() => ValuePrinter.Print(this); }
public sealed record Int32Value(int Value) : CandidValue { public override string ToString() => ValuePrinter.Print(this); }
public sealed record Int64Value(long Value) : CandidValue { public override string ToString() => ValuePrinter.Print(this); }

/// <summary>Compares by bits, so NaN equals NaN and 0.0 differs from -0.0: what a codec round trip must keep.</summary>
public sealed record Float32Value(float Value) : CandidValue
{
    public bool Equals(Float32Value? other) => other is not null && BitConverter.SingleToInt32Bits(Value) == BitConverter.SingleToInt32Bits(other.Value);
    public override int GetHashCode() => BitConverter.SingleToInt32Bits(Value);
    public override string ToString() => ValuePrinter.Print(this);
}

public sealed record Float64Value(double Value) : CandidValue
{
    public bool Equals(Float64Value? other) => other is not null && BitConverter.DoubleToInt64Bits(Value) == BitConverter.DoubleToInt64Bits(other.Value);
    public override int GetHashCode() => BitConverter.DoubleToInt64Bits(Value).GetHashCode();
    public override string ToString() => ValuePrinter.Print(this);
}

public sealed record TextValue : CandidValue
{
    public TextValue(string value) => Value = value ?? throw new ArgumentNullException(nameof(value));
    public string Value { get; }
    public override string ToString() => ValuePrinter.Print(this);
}

public sealed record PrincipalValue : CandidValue
{
    public PrincipalValue(Principal value) => Value = value ?? throw new ArgumentNullException(nameof(value));
    public Principal Value { get; }
    public override string ToString() => $"principal \"{Value}\"";
}

/// <summary><c>opt v</c>, or <see cref="None"/> (the opt's <c>null</c>).</summary>
public sealed record OptValue : CandidValue
{
    public static new readonly OptValue None = new();
    private OptValue() { }
    public OptValue(CandidValue value) => Value = value ?? throw new ArgumentNullException(nameof(value));
    public CandidValue? Value { get; }
    public bool HasValue => Value is not null;
    public override string ToString() => ValuePrinter.Print(this);
}

public sealed record VecValue : CandidValue
{
    public VecValue(IReadOnlyList<CandidValue> items) => Items = items ?? throw new ArgumentNullException(nameof(items));
    public IReadOnlyList<CandidValue> Items { get; }
    public bool Equals(VecValue? other) => other is not null && Items.SequenceEqual(other.Items);
    public override int GetHashCode() => Items.Count;
    public override string ToString() => ValuePrinter.Print(this);
}

/// <summary><c>vec nat8</c> kept as bytes: decoding and encoding copy them in one piece.</summary>
public sealed record BlobValue : CandidValue
{
    public BlobValue(byte[] bytes) => Bytes = bytes ?? throw new ArgumentNullException(nameof(bytes));
    public byte[] Bytes { get; }
    public bool Equals(BlobValue? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);
    public override int GetHashCode() => Bytes.Length;
    public override string ToString() => ValuePrinter.Print(this);
}

/// <summary>A field of a record value or the case of a variant value. Equality ignores the name.</summary>
public sealed record CandidFieldValue
{
    public CandidFieldValue(string name, CandidValue value) : this(CandidField.IdOf(name), value, name) { }

    public CandidFieldValue(uint id, CandidValue value, string? name = null)
    {
        Id = id;
        Value = value ?? throw new ArgumentNullException(nameof(value));
        Name = name;
    }

    public uint Id { get; }
    public CandidValue Value { get; }
    public string? Name { get; }
    public string Label => Name ?? Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public bool Equals(CandidFieldValue? other) => other is not null && Id == other.Id && Value.Equals(other.Value);
    public override int GetHashCode() => HashCode.Combine(Id, Value);
}

public sealed record RecordValue : CandidValue
{
    private readonly CandidFieldValue[] _fields;

    /// <summary>Fields in any order; they are kept sorted by id and an id may appear once.</summary>
    public RecordValue(IEnumerable<CandidFieldValue> fields)
    {
        _fields = fields.ToArray();
        Array.Sort(_fields, static (a, b) => a.Id.CompareTo(b.Id));
        for (var i = 1; i < _fields.Length; i++)
            if (_fields[i].Id == _fields[i - 1].Id)
                throw new ArgumentException($"Field id {_fields[i].Id} appears twice in a record.");
    }

    internal RecordValue(CandidFieldValue[] sortedFields, bool _) => _fields = sortedFields;

    public IReadOnlyList<CandidFieldValue> Fields => _fields;

    public CandidValue? Find(uint id)
    {
        foreach (var field in _fields)
            if (field.Id == id) return field.Value;
        return null;
    }

    public CandidValue? Find(string name) => Find(CandidField.IdOf(name));

    /// <summary>The field's value; <see cref="KeyNotFoundException"/> when the record has no such field.</summary>
    public CandidValue this[string name] => Find(name) ?? throw new KeyNotFoundException($"The record has no field '{name}'.");

    public CandidValue this[uint id] => Find(id) ?? throw new KeyNotFoundException($"The record has no field {id}.");

    public bool Equals(RecordValue? other) => other is not null && _fields.AsSpan().SequenceEqual(other._fields);
    public override int GetHashCode() => _fields.Length;
    public override string ToString() => ValuePrinter.Print(this);
}

public sealed record VariantValue : CandidValue
{
    public VariantValue(uint id, CandidValue value, string? name = null)
    {
        Id = id;
        Value = value ?? throw new ArgumentNullException(nameof(value));
        Name = name;
    }

    public uint Id { get; }
    public CandidValue Value { get; }
    public string? Name { get; }
    public string Label => Name ?? Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public bool Is(string name) => Id == CandidField.IdOf(name);
    public bool Equals(VariantValue? other) => other is not null && Id == other.Id && Value.Equals(other.Value);
    public override int GetHashCode() => HashCode.Combine(Id, Value);
    public override string ToString() => ValuePrinter.Print(this);
}

/// <summary>A public method reference: the service and the method name.</summary>
public sealed record FuncValue(Principal Service, string Method) : CandidValue
{
    public override string ToString() => ValuePrinter.Print(this);
}

public sealed record ServiceValue(Principal Id) : CandidValue
{
    public override string ToString() => $"service \"{Id}\"";
}

/// <summary>Arguments of a message: one type per value, ready for <see cref="CandidBinary.Encode(CandidArgs)"/>.</summary>
public sealed record CandidArgs
{
    public CandidArgs(IReadOnlyList<CandidType> types, IReadOnlyList<CandidValue> values)
    {
        if (types.Count != values.Count)
            throw new ArgumentException($"{types.Count} types for {values.Count} values.");
        Types = types;
        Values = values;
    }

    public static CandidArgs Empty { get; } = new([], []);

    public IReadOnlyList<CandidType> Types { get; }
    public IReadOnlyList<CandidValue> Values { get; }
    public int Count => Values.Count;
    public CandidValue this[int index] => Values[index];

    public bool Equals(CandidArgs? other) => other is not null && Values.SequenceEqual(other.Values)
        && Types.Count == other.Types.Count && Types.Zip(other.Types).All(p => CandidType.StructurallyEquals(p.First, p.Second));
    public override int GetHashCode() => Values.Count;
    public override string ToString() => ValuePrinter.PrintArgs(this);
}
