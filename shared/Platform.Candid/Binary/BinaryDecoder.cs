using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Platform.Candid;

/// <summary>
/// Reads a message with the types it declares. Every count and length is checked against the bytes that remain
/// before anything is allocated for it, so a hostile message costs at most about its own size.
/// </summary>
internal ref struct BinaryDecoder
{
    internal const int MaxDepth = 1000;
    // Values that take no bytes (null, reserved, record {}) are not limited by the input, and a few bytes of type table
    // and a vec length can ask for billions of them; this is their limit per message.
    internal const int MaxZeroSizedElements = 1 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly ReadOnlySpan<byte> _data;
    private int _pos;
    private int _zeroSizedBudget;

    public BinaryDecoder(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
        _zeroSizedBudget = MaxZeroSizedElements;
    }

    public readonly int Position => _pos;

    public readonly int Remaining => _data.Length - _pos;

    private readonly CandidDecodeException Error(string message) => new(message, _pos);

    /// <summary>The magic, the type table and the argument types.</summary>
    public CandidType[] ReadHeader()
    {
        if (_data.Length < 4 || !_data[..4].SequenceEqual("DIDL"u8))
            throw new CandidDecodeException("Not a Candid message: it does not start with \"DIDL\"", 0);
        _pos = 4;
        var table = ReadTypeTable();
        var count = ReadCount("argument count", 1);
        var args = new CandidType[count];
        for (var i = 0; i < count; i++)
            args[i] = Resolve(ReadSleb32(), table);
        return args;
    }

    public void ExpectEnd()
    {
        if (_pos != _data.Length)
            throw Error($"{_data.Length - _pos} trailing byte(s) after the last argument");
    }

    private CandidType[] ReadTypeTable()
    {
        var count = ReadCount("type table length", 2);
        var opcodes = new int[count];
        var shells = new CandidType[count];
        // Pass 1 reads every entry into a shell with the raw references; pass 2 resolves them, so entries may refer
        // to later ones and to themselves.
        var raw = new object[count];
        for (var i = 0; i < count; i++)
        {
            var start = _pos;
            var opcode = ReadSleb32();
            opcodes[i] = opcode;
            switch (opcode)
            {
                case Opcodes.Opt:
                    shells[i] = new OptType();
                    raw[i] = ReadSleb32();
                    break;
                case Opcodes.Vec:
                    shells[i] = new VecType();
                    raw[i] = ReadSleb32();
                    break;
                case Opcodes.Record or Opcodes.Variant:
                {
                    shells[i] = opcode == Opcodes.Record ? new RecordType() : new VariantType();
                    var n = ReadCount("field count", 2);
                    var fields = new (uint Id, int Ref)[n];
                    for (var f = 0; f < n; f++)
                    {
                        var fieldPos = _pos;
                        var id = ReadLeb32("field id");
                        if (f > 0 && id <= fields[f - 1].Id)
                            throw new CandidDecodeException(id == fields[f - 1].Id
                                ? $"Field id {id} appears twice in type table entry {i}"
                                : $"Field ids of type table entry {i} are not in increasing order ({fields[f - 1].Id} then {id})", fieldPos);
                        fields[f] = (id, ReadSleb32());
                    }
                    raw[i] = fields;
                    break;
                }
                case Opcodes.Func:
                {
                    shells[i] = new FuncType();
                    var args = new int[ReadCount("func argument count", 1)];
                    for (var a = 0; a < args.Length; a++) args[a] = ReadSleb32();
                    var results = new int[ReadCount("func result count", 1)];
                    for (var r = 0; r < results.Length; r++) results[r] = ReadSleb32();
                    var modeCount = ReadCount("func annotation count", 1);
                    var modes = FuncModes.None;
                    for (var m = 0; m < modeCount; m++)
                    {
                        modes |= ReadByte() switch
                        {
                            1 => FuncModes.Query,
                            2 => FuncModes.Oneway,
                            3 => FuncModes.CompositeQuery,
                            var other => throw new CandidDecodeException($"Unknown func annotation {other}", _pos - 1),
                        };
                    }
                    raw[i] = (args, results, modes);
                    break;
                }
                case Opcodes.Service:
                {
                    shells[i] = new ServiceType();
                    var n = ReadCount("method count", 2);
                    var methods = new (string Name, int Ref)[n];
                    for (var m = 0; m < n; m++)
                    {
                        var namePos = _pos;
                        var name = ReadText("method name");
                        if (m > 0 && ServiceType.CompareNames(methods[m - 1].Name, name) >= 0)
                            throw new CandidDecodeException($"Method names of type table entry {i} are not sorted and unique ('{methods[m - 1].Name}' then '{name}')", namePos);
                        methods[m] = (name, ReadSleb32());
                    }
                    raw[i] = methods;
                    break;
                }
                case < Opcodes.Principal:
                {
                    // A type from a later version of Candid: its description is length-prefixed so that it can be
                    // skipped, and its values read as reserved.
                    Take(ReadCount("future type length", 1), "future type");
                    shells[i] = new FutureType(opcode);
                    raw[i] = opcode;
                    break;
                }
                default:
                    throw new CandidDecodeException(Opcodes.Primitive(opcode) is not null
                        ? $"Type table entry {i} is a primitive type ({opcode}); entries must be composite"
                        : $"Unknown type opcode {opcode} in type table entry {i}", start);
            }
        }

        for (var i = 0; i < count; i++)
        {
            switch (shells[i])
            {
                case OptType opt:
                    opt.Inner = Resolve((int)raw[i], shells);
                    break;
                case VecType vec:
                    vec.Element = Resolve((int)raw[i], shells);
                    break;
                case FieldsType fieldsType:
                {
                    var fields = ((uint Id, int Ref)[])raw[i];
                    var resolved = new CandidField[fields.Length];
                    for (var f = 0; f < fields.Length; f++)
                        resolved[f] = new CandidField(fields[f].Id, Resolve(fields[f].Ref, shells));
                    fieldsType.SetFields(resolved);
                    break;
                }
                case FuncType func:
                {
                    var (args, results, modes) = ((int[], int[], FuncModes))raw[i];
                    var argTypes = new CandidType[args.Length];
                    for (var a = 0; a < args.Length; a++) argTypes[a] = Resolve(args[a], shells);
                    var resultTypes = new CandidType[results.Length];
                    for (var r = 0; r < results.Length; r++) resultTypes[r] = Resolve(results[r], shells);
                    func.Args = argTypes;
                    func.Results = resultTypes;
                    func.Modes = modes;
                    break;
                }
                case ServiceType service:
                {
                    var methods = ((string Name, int Ref)[])raw[i];
                    var resolved = new CandidMethod[methods.Length];
                    for (var m = 0; m < methods.Length; m++)
                    {
                        if (Resolve(methods[m].Ref, shells) is not FuncType funcType)
                            throw new CandidDecodeException($"Method '{methods[m].Name}' of type table entry {i} does not refer to a func type", -1);
                        resolved[m] = new CandidMethod(methods[m].Name, funcType);
                    }
                    service.SetMethods(resolved);
                    break;
                }
            }
        }
        return shells;
    }

    private readonly CandidType Resolve(int reference, CandidType[] table)
    {
        if (reference >= 0)
            return reference < table.Length
                ? table[reference]
                : throw Error($"Type index {reference} is outside the type table of {table.Length} entries");
        return (CandidType?)Opcodes.Primitive(reference) ?? throw Error(
            reference >= Opcodes.Principal ? $"Type opcode {reference} cannot be used by reference; it needs a type table entry" : $"Unknown type opcode {reference}");
    }

    public CandidValue ReadValue(CandidType type, int depth)
    {
        if (depth > MaxDepth) throw Error($"Values nest deeper than {MaxDepth} levels");
        if (type is FutureType)
        {
            SkipFutureValue();
            return ReservedValue.Instance;
        }
        ChargeIfZeroSized(type);
        switch (type.Kind)
        {
            case CandidTypeKind.Null: return NullValue.Instance;
            case CandidTypeKind.Bool:
                return ReadByte() switch
                {
                    0 => BoolValue.False,
                    1 => BoolValue.True,
                    var b => throw new CandidDecodeException($"A bool is 0 or 1, not {b}", _pos - 1),
                };
            case CandidTypeKind.Nat: return new NatValue(ReadNat());
            case CandidTypeKind.Int: return new IntValue(ReadInt());
            case CandidTypeKind.Nat8: return new Nat8Value(ReadByte());
            case CandidTypeKind.Nat16: return new Nat16Value(BinaryPrimitives.ReadUInt16LittleEndian(Take(2, "nat16")));
            case CandidTypeKind.Nat32: return new Nat32Value(BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "nat32")));
            case CandidTypeKind.Nat64: return new Nat64Value(BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "nat64")));
            case CandidTypeKind.Int8: return new Int8Value((sbyte)ReadByte());
            case CandidTypeKind.Int16: return new Int16Value(BinaryPrimitives.ReadInt16LittleEndian(Take(2, "int16")));
            case CandidTypeKind.Int32: return new Int32Value(BinaryPrimitives.ReadInt32LittleEndian(Take(4, "int32")));
            case CandidTypeKind.Int64: return new Int64Value(BinaryPrimitives.ReadInt64LittleEndian(Take(8, "int64")));
            case CandidTypeKind.Float32: return new Float32Value(BinaryPrimitives.ReadSingleLittleEndian(Take(4, "float32")));
            case CandidTypeKind.Float64: return new Float64Value(BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "float64")));
            case CandidTypeKind.Text: return new TextValue(ReadText("text"));
            case CandidTypeKind.Reserved: return ReservedValue.Instance;
            case CandidTypeKind.Empty: throw Error("A value of type empty cannot exist");
            case CandidTypeKind.Principal: return new PrincipalValue(ReadPrincipal("principal"));
            case CandidTypeKind.Opt:
                return ReadByte() switch
                {
                    0 => OptValue.None,
                    1 => new OptValue(ReadValue(((OptType)type).Inner, depth + 1)),
                    var b => throw new CandidDecodeException($"An opt starts with 0 or 1, not {b}", _pos - 1),
                };
            case CandidTypeKind.Vec:
            {
                var element = ((VecType)type).Element;
                if (element.Kind == CandidTypeKind.Nat8)
                {
                    var length = ReadCount("blob length", 1);
                    return new BlobValue(Take(length, "blob").ToArray());
                }
                var count = ReadElementCount(element);
                var items = new CandidValue[count];
                for (var i = 0; i < count; i++) items[i] = ReadValue(element, depth + 1);
                return new VecValue(items);
            }
            case CandidTypeKind.Record:
            {
                var fields = ((RecordType)type).Fields;
                var values = new CandidFieldValue[fields.Count];
                for (var i = 0; i < values.Length; i++)
                    values[i] = new CandidFieldValue(fields[i].Id, ReadValue(fields[i].Type, depth + 1), fields[i].Name);
                return new RecordValue(values, true);
            }
            case CandidTypeKind.Variant:
            {
                var cases = ((VariantType)type).Fields;
                var start = _pos;
                var index = ReadLeb("variant index");
                if (index >= (ulong)cases.Count)
                    throw new CandidDecodeException($"Variant index {index} is not below the {cases.Count} cases of its type", start);
                var chosen = cases[(int)index];
                return new VariantValue(chosen.Id, ReadValue(chosen.Type, depth + 1), chosen.Name);
            }
            case CandidTypeKind.Func:
            {
                ExpectReferenceFlag("func");
                var service = ReadPrincipal("func's service");
                return new FuncValue(service, ReadText("func's method name"));
            }
            case CandidTypeKind.Service:
                return new ServiceValue(ReadPrincipal("service"));
            default:
                throw Error($"Unknown type kind {type.Kind}");
        }
    }

    /// <summary>Moves past a value without building it: blobs and texts are not copied.</summary>
    public void SkipValue(CandidType type, int depth)
    {
        if (depth > MaxDepth) throw Error($"Values nest deeper than {MaxDepth} levels");
        if (type is FutureType)
        {
            SkipFutureValue();
            return;
        }
        ChargeIfZeroSized(type);
        switch (type.Kind)
        {
            case CandidTypeKind.Null or CandidTypeKind.Reserved: return;
            case CandidTypeKind.Bool:
                if (ReadByte() > 1) throw new CandidDecodeException("A bool is 0 or 1", _pos - 1);
                return;
            case CandidTypeKind.Nat or CandidTypeKind.Int: LebEnd("number"); return;
            case CandidTypeKind.Nat8 or CandidTypeKind.Int8: Take(1, "nat8"); return;
            case CandidTypeKind.Nat16 or CandidTypeKind.Int16: Take(2, "nat16"); return;
            case CandidTypeKind.Nat32 or CandidTypeKind.Int32 or CandidTypeKind.Float32: Take(4, "32-bit number"); return;
            case CandidTypeKind.Nat64 or CandidTypeKind.Int64 or CandidTypeKind.Float64: Take(8, "64-bit number"); return;
            case CandidTypeKind.Text: Take(ReadCount("text length", 1), "text"); return;
            case CandidTypeKind.Principal or CandidTypeKind.Service: ReadPrincipal("principal"); return;
            case CandidTypeKind.Func:
                ExpectReferenceFlag("func");
                ReadPrincipal("func's service");
                Take(ReadCount("text length", 1), "text");
                return;
            case CandidTypeKind.Opt:
                switch (ReadByte())
                {
                    case 0: return;
                    case 1: SkipValue(((OptType)type).Inner, depth + 1); return;
                    default: throw new CandidDecodeException("An opt starts with 0 or 1", _pos - 1);
                }
            case CandidTypeKind.Vec:
            {
                var element = ((VecType)type).Element;
                if (element.Kind == CandidTypeKind.Nat8)
                {
                    Take(ReadCount("blob length", 1), "blob");
                    return;
                }
                var count = ReadElementCount(element);
                for (var i = 0; i < count; i++) SkipValue(element, depth + 1);
                return;
            }
            case CandidTypeKind.Record:
                foreach (var field in ((RecordType)type).Fields) SkipValue(field.Type, depth + 1);
                return;
            case CandidTypeKind.Variant:
            {
                var cases = ((VariantType)type).Fields;
                var index = ReadLeb("variant index");
                if (index >= (ulong)cases.Count) throw Error($"Variant index {index} is out of range");
                SkipValue(cases[(int)index].Type, depth + 1);
                return;
            }
            default:
                throw Error("A value of type empty cannot exist");
        }
    }

    // Every value that takes no bytes has such leaves (a record with fields ends in them), so counting them bounds
    // the work and memory of any zero-byte value tree.
    private void ChargeIfZeroSized(CandidType type)
    {
        if (type.Kind is CandidTypeKind.Null or CandidTypeKind.Reserved
            || (type.Kind == CandidTypeKind.Record && ((RecordType)type).Fields.Count == 0))
        {
            if (--_zeroSizedBudget < 0)
                throw Error($"More than {MaxZeroSizedElements} values that take no bytes (null, reserved, record {{}})");
        }
    }

    // A future type's value: its byte length, its number of references, the bytes.
    private void SkipFutureValue()
    {
        var length = ReadCount("future value length", 1);
        var start = _pos;
        if (ReadLeb("future value reference count") != 0)
            throw new CandidDecodeException("Values of future types with references are not supported", start);
        Take(length, "future value");
    }

    private int ReadElementCount(CandidType element)
    {
        var start = _pos;
        var count = ReadLeb("vec length");
        if (TypeGraph.MayBeZeroSized(element))
        {
            // Each element is charged as it is read; this only refuses early what would fail anyway.
            if (count > (ulong)_zeroSizedBudget)
                throw new CandidDecodeException($"A vec of {count} elements that may take no bytes is over the limit of {MaxZeroSizedElements}", start);
            return (int)count;
        }
        if (count > (ulong)Remaining)
            throw new CandidDecodeException($"A vec of {count} elements cannot fit in the {Remaining} bytes left", start);
        return (int)count;
    }

    private void ExpectReferenceFlag(string what)
    {
        switch (ReadByte())
        {
            case 1: return;
            case 0: throw new CandidDecodeException($"Opaque {what} references are not supported", _pos - 1);
            case var b: throw new CandidDecodeException($"A {what} reference starts with 1, not {b}", _pos - 1);
        }
    }

    private Principal ReadPrincipal(string what)
    {
        ExpectReferenceFlag(what);
        var start = _pos;
        var length = ReadCount("principal length", 1);
        if (length > Principal.MaxLength)
            throw new CandidDecodeException($"A principal has at most {Principal.MaxLength} bytes, not {length}", start);
        return Principal.FromBytes(Take(length, "principal"));
    }

    private string ReadText(string what)
    {
        var length = ReadCount(what + " length", 1);
        var start = _pos;
        var bytes = Take(length, what);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new CandidDecodeException($"The {what} is not valid UTF-8", start);
        }
    }

    public byte ReadByte()
    {
        if (_pos >= _data.Length) throw Error("The message ends early");
        return _data[_pos++];
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > Remaining) throw Error($"The message ends inside a {what} ({count} bytes needed, {Remaining} left)");
        var span = _data.Slice(_pos, count);
        _pos += count;
        return span;
    }

    /// <summary>A LEB128 count whose items take at least <paramref name="minBytesEach"/> bytes each.</summary>
    private int ReadCount(string what, int minBytesEach)
    {
        var start = _pos;
        var value = ReadLeb(what);
        if (value > (ulong)(Remaining / minBytesEach))
            throw new CandidDecodeException($"The {what} {value} is more than the {Remaining} bytes left can hold", start);
        return (int)value;
    }

    private uint ReadLeb32(string what)
    {
        var start = _pos;
        var value = ReadLeb(what);
        return value <= uint.MaxValue ? (uint)value : throw new CandidDecodeException($"The {what} {value} does not fit in 32 bits", start);
    }

    private ulong ReadLeb(string what)
    {
        var start = _pos;
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (_pos >= _data.Length) throw new CandidDecodeException($"The message ends inside a LEB128 {what}", start);
            var b = _data[_pos++];
            if (shift == 63 && b > 1 || shift > 63)
                throw new CandidDecodeException($"The LEB128 {what} does not fit in 64 bits", start);
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
    }

    private int ReadSleb32()
    {
        var start = _pos;
        long result = 0;
        var shift = 0;
        byte b;
        do
        {
            if (_pos >= _data.Length) throw new CandidDecodeException("The message ends inside a type reference", start);
            if (shift > 63) throw new CandidDecodeException("A type reference does not fit in 64 bits", start);
            b = _data[_pos++];
            result |= (long)(b & 0x7F) << shift;
            shift += 7;
        } while (b >= 0x80);
        if (shift < 64 && (b & 0x40) != 0) result |= -1L << shift;
        return result is >= int.MinValue and <= int.MaxValue
            ? (int)result
            : throw new CandidDecodeException($"Type reference {result} is out of range", start);
    }

    // Index one past the last byte of a LEB128 number that starts at the current position.
    private int LebEnd(string what)
    {
        var start = _pos;
        while (true)
        {
            if (_pos >= _data.Length) throw new CandidDecodeException($"The message ends inside a LEB128 {what}", start);
            if (_data[_pos++] < 0x80) return _pos;
        }
    }

    private BigInteger ReadNat()
    {
        var start = _pos;
        var end = LebEnd("nat");
        return Accumulate(_data[start..end]);
    }

    private BigInteger ReadInt()
    {
        var start = _pos;
        var end = LebEnd("int");
        var bytes = _data[start..end];
        var value = Accumulate(bytes);
        return (bytes[^1] & 0x40) != 0 ? value - (BigInteger.One << (7 * bytes.Length)) : value;
    }

    private static BigInteger Accumulate(ReadOnlySpan<byte> groups)
    {
        if (groups.Length <= 9)
        {
            ulong small = 0;
            for (var i = groups.Length - 1; i >= 0; i--) small = (small << 7) | (uint)(groups[i] & 0x7F);
            return small;
        }
        // Pack the 7-bit groups into little-endian bytes and let BigInteger read them in one go.
        var packed = new byte[(groups.Length * 7 + 7) / 8];
        int bitPos = 0;
        foreach (var g in groups)
        {
            var bits = g & 0x7F;
            var index = bitPos >> 3;
            var offset = bitPos & 7;
            packed[index] |= (byte)(bits << offset);
            if (offset > 1 && index + 1 < packed.Length) packed[index + 1] |= (byte)(bits >> (8 - offset));
            bitPos += 7;
        }
        return new BigInteger(packed, isUnsigned: true, isBigEndian: false);
    }
}
