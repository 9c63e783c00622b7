using System.Buffers.Binary;

namespace Platform.Candid;

/// <summary>
/// An Internet Computer principal: 0 to 29 opaque bytes. Text form: CRC-32 (big-endian) of the bytes followed by
/// the bytes, base32 lowercase without padding, in groups of five characters joined by '-'.
/// </summary>
public sealed class Principal : IEquatable<Principal>, IComparable<Principal>
{
    public const int MaxLength = 29;

    private const byte OpaqueIdSuffix = 0x01;
    private const byte SelfAuthenticatingSuffix = 0x02;
    private const byte AnonymousSuffix = 0x04;

    private readonly byte[] _bytes;
    private string? _text;

    private Principal(byte[] bytes) => _bytes = bytes;

    /// <summary>The anonymous principal, <c>2vxsx-fae</c>.</summary>
    public static Principal Anonymous { get; } = new([AnonymousSuffix]);

    /// <summary>The management canister, <c>aaaaa-aa</c> (no bytes).</summary>
    public static Principal ManagementCanister { get; } = new([]);

    public ReadOnlySpan<byte> Bytes => _bytes;

    public int Length => _bytes.Length;

    public bool IsAnonymous => _bytes is [AnonymousSuffix];

    public bool IsManagementCanister => _bytes.Length == 0;

    public byte[] ToArray() => (byte[])_bytes.Clone();

    public static Principal FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength)
            throw new ArgumentException($"A principal has at most {MaxLength} bytes, not {bytes.Length}.", nameof(bytes));
        return new Principal(bytes.ToArray());
    }

    /// <summary>A canister id: the canister's index as a big-endian u64 followed by 0x01 0x01.</summary>
    public static Principal FromCanisterIndex(ulong index)
    {
        var bytes = new byte[10];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, index);
        bytes[8] = OpaqueIdSuffix;
        bytes[9] = OpaqueIdSuffix;
        return new Principal(bytes);
    }

    /// <summary>The index of a canister id made by <see cref="FromCanisterIndex"/>; false for any other shape.</summary>
    public bool TryGetCanisterIndex(out ulong index)
    {
        if (_bytes is [_, _, _, _, _, _, _, _, OpaqueIdSuffix, OpaqueIdSuffix])
        {
            index = BinaryPrimitives.ReadUInt64BigEndian(_bytes);
            return true;
        }
        index = 0;
        return false;
    }

    /// <summary>The principal of a user who signs with the key: SHA-224 of the DER-encoded public key, then 0x02.</summary>
    public static Principal SelfAuthenticating(ReadOnlySpan<byte> publicKeyDer)
    {
        var bytes = new byte[29];
        Sha224.Hash(publicKeyDer).CopyTo(bytes, 0);
        bytes[28] = SelfAuthenticatingSuffix;
        return new Principal(bytes);
    }

    /// <summary>Parses the text form; <see cref="FormatException"/> says what is wrong with it.</summary>
    public static Principal FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var principal, out var error) ? principal : throw new FormatException(error);
    }

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Principal? principal) =>
        TryParse(text, out principal, out _);

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Principal? principal,
        out string error)
    {
        principal = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "A principal's text is empty.";
            return false;
        }
        // 29 bytes + 4 checksum bytes are 53 base32 characters and 10 dashes.
        if (text.Length > 63)
        {
            error = $"'{Shorten(text)}' is too long for a principal: {text.Length} characters, at most 63 (29 bytes).";
            return false;
        }
        var compact = text.Replace("-", "", StringComparison.Ordinal);
        if (!Base32.TryDecode(compact, out var decoded))
        {
            error = $"'{text}' is not a principal: only a-z, 2-7 and '-' may appear.";
            return false;
        }
        if (decoded.Length < 4)
        {
            error = $"'{text}' is not a principal: too short to hold its checksum.";
            return false;
        }
        var bytes = decoded[4..];
        if (bytes.Length > MaxLength)
        {
            error = $"'{text}' is not a principal: {bytes.Length} bytes, at most {MaxLength}.";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32BigEndian(decoded) != Crc32.Compute(bytes))
        {
            error = $"'{text}' is not a principal: the checksum does not match.";
            return false;
        }
        var candidate = new Principal(bytes);
        if (!string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{text}' is not a principal in canonical form (expected '{candidate}').";
            return false;
        }
        principal = candidate;
        error = "";
        return true;
    }

    public override string ToString() => _text ??= Format(_bytes);

    private static string Format(byte[] bytes)
    {
        var data = new byte[bytes.Length + 4];
        BinaryPrimitives.WriteUInt32BigEndian(data, Crc32.Compute(bytes));
        bytes.CopyTo(data, 4);
        var encoded = Base32.Encode(data);
        var groups = new List<string>((encoded.Length + 4) / 5);
        for (var i = 0; i < encoded.Length; i += 5)
            groups.Add(encoded.Substring(i, Math.Min(5, encoded.Length - i)));
        return string.Join('-', groups);
    }

    private static string Shorten(string text) => text.Length <= 70 ? text : text[..70] + "...";

    public bool Equals(Principal? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is Principal other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    /// <summary>Byte-wise order, shorter first on a common prefix: the order the IC sorts principals in.</summary>
    public int CompareTo(Principal? other) => other is null ? 1 : _bytes.AsSpan().SequenceCompareTo(other._bytes);

    public static bool operator ==(Principal? left, Principal? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Principal? left, Principal? right) => !(left == right);
}
