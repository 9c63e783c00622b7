namespace Platform.Candid;

/// <summary>Type opcodes of the binary format (negative numbers, written as SLEB128).</summary>
internal static class Opcodes
{
    public const int Null = -1, Bool = -2, Nat = -3, Int = -4, Nat8 = -5, Nat16 = -6, Nat32 = -7, Nat64 = -8,
        Int8 = -9, Int16 = -10, Int32 = -11, Int64 = -12, Float32 = -13, Float64 = -14, Text = -15, Reserved = -16,
        Empty = -17, Opt = -18, Vec = -19, Record = -20, Variant = -21, Func = -22, Service = -23, Principal = -24;

    public static int Of(CandidTypeKind kind) => kind switch
    {
        CandidTypeKind.Null => Null, CandidTypeKind.Bool => Bool, CandidTypeKind.Nat => Nat, CandidTypeKind.Int => Int,
        CandidTypeKind.Nat8 => Nat8, CandidTypeKind.Nat16 => Nat16, CandidTypeKind.Nat32 => Nat32,
        CandidTypeKind.Nat64 => Nat64, CandidTypeKind.Int8 => Int8, CandidTypeKind.Int16 => Int16,
        CandidTypeKind.Int32 => Int32, CandidTypeKind.Int64 => Int64, CandidTypeKind.Float32 => Float32,
        CandidTypeKind.Float64 => Float64, CandidTypeKind.Text => Text, CandidTypeKind.Reserved => Reserved,
        CandidTypeKind.Empty => Empty, CandidTypeKind.Principal => Principal, CandidTypeKind.Opt => Opt,
        CandidTypeKind.Vec => Vec, CandidTypeKind.Record => Record, CandidTypeKind.Variant => Variant,
        CandidTypeKind.Func => Func, CandidTypeKind.Service => Service,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static PrimitiveType? Primitive(long opcode) => opcode switch
    {
        Null => CandidType.Null, Bool => CandidType.Bool, Nat => CandidType.Nat, Int => CandidType.Int,
        Nat8 => CandidType.Nat8, Nat16 => CandidType.Nat16, Nat32 => CandidType.Nat32, Nat64 => CandidType.Nat64,
        Int8 => CandidType.Int8, Int16 => CandidType.Int16, Int32 => CandidType.Int32, Int64 => CandidType.Int64,
        Float32 => CandidType.Float32, Float64 => CandidType.Float64, Text => CandidType.Text,
        Reserved => CandidType.Reserved, Empty => CandidType.Empty, Principal => CandidType.Principal,
        _ => null,
    };
}
