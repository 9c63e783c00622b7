using System.Diagnostics.CodeAnalysis;

namespace Platform.Candid;

/// <summary>The Candid binary format: a message is "DIDL", a type table, the argument types, then the values.</summary>
public static class CandidBinary
{
    private static readonly uint CanisterIdField = CandidField.IdOf("canister_id");

    public static byte[] Encode(CandidArgs args) => BinaryEncoder.Encode(args.Types, args.Values);

    /// <summary>Encodes values of the given types; <see cref="ArgumentException"/> when a value does not fit its type.</summary>
    public static byte[] Encode(IReadOnlyList<CandidType> types, IReadOnlyList<CandidValue> values) =>
        BinaryEncoder.Encode(types, values);

    public static byte[] Encode(CandidType type, CandidValue value) => BinaryEncoder.Encode([type], [value]);

    /// <summary>
    /// The arguments with the types the message declares (record fields and variant cases have ids only).
    /// Throws <see cref="CandidDecodeException"/> for anything that is not a well-formed message.
    /// </summary>
    public static CandidArgs Decode(ReadOnlySpan<byte> message)
    {
        var decoder = new BinaryDecoder(message);
        var types = decoder.ReadHeader();
        var values = new CandidValue[types.Length];
        for (var i = 0; i < types.Length; i++) values[i] = decoder.ReadValue(types[i], 0);
        decoder.ExpectEnd();
        return new CandidArgs(types, values);
    }

    /// <summary>
    /// The arguments as the expected types read them (Candid subtyping: missing opt fields and arguments become
    /// null, extra fields and arguments are dropped, nat reads as int, names come from the expected types).
    /// </summary>
    public static CandidArgs Decode(ReadOnlySpan<byte> message, IReadOnlyList<CandidType> expectedTypes)
    {
        var wire = Decode(message);
        return new CandidArgs(expectedTypes, Coercion.Arguments(wire.Types, wire.Values, expectedTypes));
    }

    /// <summary>One argument as <paramref name="expectedType"/> reads it: the first of the message's arguments.</summary>
    public static CandidValue Decode(ReadOnlySpan<byte> message, CandidType expectedType) =>
        Decode(message, [expectedType]).Values[0];

    /// <summary>
    /// The <c>canister_id</c> of a message whose first argument is a record with a <c>canister_id : principal</c>
    /// field (most management canister calls), without building the other values. Only the bytes up to the field
    /// are checked; false when the message has no such field or is malformed before it.
    /// </summary>
    public static bool TryReadCanisterId(ReadOnlySpan<byte> message, [NotNullWhen(true)] out Principal? canisterId) =>
        TryReadPrincipalField(message, CanisterIdField, out canisterId);

    /// <summary>
    /// Like <see cref="TryReadCanisterId"/> for another principal field of the first argument, such as
    /// <c>target_canister</c> of <c>install_chunked_code</c>.
    /// </summary>
    public static bool TryReadPrincipalField(ReadOnlySpan<byte> message, string fieldName, [NotNullWhen(true)] out Principal? value) =>
        TryReadPrincipalField(message, CandidField.IdOf(fieldName), out value);

    private static bool TryReadPrincipalField(ReadOnlySpan<byte> message, uint fieldId, [NotNullWhen(true)] out Principal? value)
    {
        value = null;
        try
        {
            var decoder = new BinaryDecoder(message);
            var types = decoder.ReadHeader();
            if (types is not [RecordType record, ..]) return false;
            foreach (var field in record.Fields)
            {
                if (field.Id == fieldId)
                {
                    if (field.Type.Kind != CandidTypeKind.Principal) return false;
                    value = ((PrincipalValue)decoder.ReadValue(field.Type, 0)).Value;
                    return true;
                }
                decoder.SkipValue(field.Type, 0);
            }
            return false;
        }
        catch (CandidDecodeException)
        {
            return false;
        }
    }
}
