using System.Text;
using System.Text.Unicode;

namespace Platform.Canisters;

/// <summary>
/// A WebAssembly module read at the level of its sections: the header, every section's id and bounds, the order
/// of the known sections, the function and code counts agreeing, and the custom sections by name. That is what
/// tells a module from other bytes (a truncated upload, a tarball, a text file) without compiling it; the engine
/// compiles at install. The IC's metadata lives in custom sections named <c>icp:public NAME</c> or
/// <c>icp:private NAME</c>.
/// </summary>
public sealed class WasmModule
{
    private static ReadOnlySpan<byte> Header => [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00];

    private const byte CustomId = 0;
    private const byte FunctionId = 3;
    private const byte CodeId = 10;

    // The order the spec requires of the non-custom sections (data count, 12, sits between element and code; tag,
    // 13, from the exception-handling proposal, between memory and global).
    private static readonly byte[] SectionOrder = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

    private readonly Dictionary<string, byte[]> _custom;

    private WasmModule(Dictionary<string, byte[]> custom) => _custom = custom;

    /// <summary>The custom sections' names, in module order.</summary>
    public IReadOnlyCollection<string> CustomSections => _custom.Keys;

    /// <summary>The IC metadata section <paramref name="name"/> (public or private) as text, or null.</summary>
    public string? Metadata(string name) =>
        (_custom.GetValueOrDefault($"icp:public {name}") ?? _custom.GetValueOrDefault($"icp:private {name}")) is { } bytes
            ? Encoding.UTF8.GetString(bytes)
            : null;

    /// <summary>The module's Candid service type (<c>candid:service</c>), as the compiler embedded it.</summary>
    public string? CandidService => Metadata("candid:service");

    public static bool TryRead(ReadOnlySpan<byte> wasm, out WasmModule module, out string error)
    {
        module = null!;
        if (wasm.Length < Header.Length || !wasm[..4].SequenceEqual(Header[..4]))
            return Fail(out error, "the layer is not a WebAssembly module (no \\0asm header)");
        if (!wasm[4..8].SequenceEqual(Header[4..]))
            return Fail(out error, "the module's WebAssembly version is not 1");

        var custom = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var position = Header.Length;
        var lastOrder = -1;
        uint? functions = null, bodies = null;
        while (position < wasm.Length)
        {
            var id = wasm[position++];
            if (!TryReadU32(wasm, ref position, out var size) || size > wasm.Length - position)
                return Fail(out error, $"section {id} at offset {position - 1} runs past the end of the module");
            var content = wasm.Slice(position, (int)size);
            position += (int)size;

            if (id == CustomId)
            {
                var at = 0;
                if (!TryReadU32(content, ref at, out var nameLength) || nameLength > content.Length - at)
                    return Fail(out error, "a custom section's name runs past the section");
                var nameBytes = content.Slice(at, (int)nameLength);
                if (!Utf8.IsValid(nameBytes))
                    return Fail(out error, "a custom section's name is not UTF-8");
                var name = Encoding.UTF8.GetString(nameBytes);
                // The IC refuses a module with two icp: sections of one name; for the others the first one counts.
                if (name.StartsWith("icp:", StringComparison.Ordinal) && custom.ContainsKey(name))
                    return Fail(out error, $"the module has two custom sections named '{name}'");
                custom.TryAdd(name, content[(at + (int)nameLength)..].ToArray());
                continue;
            }

            var order = Array.IndexOf(SectionOrder, id);
            if (order < 0)
                return Fail(out error, $"unknown section id {id}");
            if (order <= lastOrder)
                return Fail(out error, $"section {id} is out of order or repeated");
            lastOrder = order;
            if (id is FunctionId or CodeId)
            {
                var at = 0;
                if (!TryReadU32(content, ref at, out var count))
                    return Fail(out error, $"section {id} has no entry count");
                if (id == FunctionId) functions = count; else bodies = count;
            }
        }
        if ((functions ?? 0) != (bodies ?? 0))
            return Fail(out error, $"the module declares {functions ?? 0} functions but has {bodies ?? 0} bodies");

        module = new WasmModule(custom);
        error = "";
        return true;
    }

    // LEB128, at most 5 bytes for a u32 (the spec's bound).
    private static bool TryReadU32(ReadOnlySpan<byte> bytes, ref int position, out uint value)
    {
        value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (position >= bytes.Length)
                return false;
            var b = bytes[position++];
            if (shift == 28 && (b & 0x70) != 0)
                return false;
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return true;
        }
        return false;
    }

    private static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }
}
