using System.Buffers.Binary;
using System.Text;

namespace Platform.Engine.Runtime;

/// <summary>An import of a module: module and field name, and its function signature (null when not a function).</summary>
internal sealed record WasmImport(string Module, string Name, WasmFunctionType? Function);

internal sealed record WasmFunctionType(IReadOnlyList<byte> Parameters, IReadOnlyList<byte> Results)
{
    public override string ToString() =>
        $"({string.Join(", ", Parameters.Select(WasmModuleRewriter.TypeName))}) -> ({string.Join(", ", Results.Select(WasmModuleRewriter.TypeName))})";
}

/// <summary>What the engine needs to know about a module after rewriting it.</summary>
internal sealed record WasmModuleInfo(
    bool IsMemory64,
    IReadOnlyList<WasmImport> Imports,
    IReadOnlySet<string> Exports,
    IReadOnlyList<string> GlobalExports,
    string? MemoryExport,
    string? TableExport,
    bool HasStart,
    IReadOnlyDictionary<string, byte[]> CustomSections);

/// <summary>The module is not valid WebAssembly, or not a valid canister module.</summary>
internal sealed class InvalidWasmException(string message) : Exception(message);

/// <summary>
/// Rewrites a canister module the way the IC's instrumentation does before it runs one: the start function
/// becomes the export <c>canister_start</c> (the IC runs it as part of install, with the System API available,
/// not at instantiation), every mutable global is exported (so a trap can restore globals and an upgrade can
/// carry them), and memory 0 and table 0 get an export if they lack one. The module's own code is untouched.
/// </summary>
internal static class WasmModuleRewriter
{
    public const string StartExport = "canister_start";
    public const string GlobalExportPrefix = "__canister_global_";
    public const string MemoryExportName = "__canister_memory";
    public const string TableExportName = "__canister_table";

    private static readonly byte[] Magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

    // Section ids in the order the binary format requires (custom sections, id 0, may appear anywhere).
    private static readonly byte[] SectionOrder = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

    public static (byte[] Module, WasmModuleInfo Info) Rewrite(ReadOnlySpan<byte> wasm)
    {
        if (wasm.Length < 8 || !wasm[..8].SequenceEqual(Magic))
        {
            throw new InvalidWasmException("Failed to decode wasm module: unsupported canister module format (expected the WebAssembly magic number and version 1)");
        }

        var sections = new List<(byte Id, byte[] Body)>();
        var reader = new WasmReader(wasm.ToArray(), 8);
        while (!reader.AtEnd)
        {
            var id = reader.Byte();
            var size = (int)reader.U32();
            sections.Add((id, reader.Bytes(size)));
        }

        var types = new List<WasmFunctionType>();
        var imports = new List<WasmImport>();
        var exports = new List<(string Name, byte Kind, uint Index)>();
        var customs = new Dictionary<string, byte[]>();
        var mutableGlobals = new List<uint>();
        uint importedGlobals = 0, importedMemories = 0, importedTables = 0;
        uint memories = 0, tables = 0;
        var memory64 = false;
        uint? start = null;

        foreach (var (id, body) in sections)
        {
            var r = new WasmReader(body, 0);
            switch (id)
            {
                case 0:
                    var name = r.Name();
                    customs.TryAdd(name, body[r.Position..]);
                    break;
                case 1:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        if (r.Byte() != 0x60) throw new InvalidWasmException("Failed to decode wasm module: only function types are supported in the type section");
                        var p = r.ValueTypes();
                        var res = r.ValueTypes();
                        types.Add(new WasmFunctionType(p, res));
                    }
                    break;
                case 2:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var module = r.Name();
                        var field = r.Name();
                        var kind = r.Byte();
                        switch (kind)
                        {
                            case 0:
                                var t = r.U32();
                                if (t >= types.Count) throw new InvalidWasmException("Failed to decode wasm module: import refers to a missing type");
                                imports.Add(new WasmImport(module, field, types[(int)t]));
                                break;
                            case 1: r.TableType(); importedTables++; imports.Add(new WasmImport(module, field, null)); break;
                            case 2: memory64 |= r.MemoryType(); importedMemories++; imports.Add(new WasmImport(module, field, null)); break;
                            case 3: r.Byte(); r.Byte(); importedGlobals++; imports.Add(new WasmImport(module, field, null)); break;
                            default: r.Byte(); r.U32(); imports.Add(new WasmImport(module, field, null)); break;
                        }
                    }
                    break;
                case 4:
                    for (var n = r.U32(); n > 0; n--) { r.TableType(); tables++; }
                    break;
                case 5:
                    for (var n = r.U32(); n > 0; n--) { memory64 |= r.MemoryType(); memories++; }
                    break;
                case 6:
                    var count = r.U32();
                    for (uint i = 0; i < count; i++)
                    {
                        r.ValueType();
                        var mutable = r.Byte() == 1;
                        r.SkipConstExpr();
                        if (mutable) mutableGlobals.Add(importedGlobals + i);
                    }
                    break;
                case 7:
                    for (var n = r.U32(); n > 0; n--) exports.Add((r.Name(), r.Byte(), r.U32()));
                    break;
                case 8:
                    start = r.U32();
                    break;
            }
        }

        var exportNames = exports.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        if (exportNames.Count != exports.Count) throw new InvalidWasmException("Wasm module has duplicate exports");
        var added = new List<(string Name, byte Kind, uint Index)>();
        if (start is { } startIndex)
        {
            if (exportNames.Contains(StartExport)) throw new InvalidWasmException($"Wasm module exports the reserved name {StartExport}");
            added.Add((StartExport, 0, startIndex));
        }

        var globalExports = new List<string>();
        foreach (var g in mutableGlobals)
        {
            var existing = exports.FirstOrDefault(e => e.Kind == 3 && e.Index == g);
            var globalName = existing.Name ?? $"{GlobalExportPrefix}{g}";
            if (existing.Name is null) added.Add((globalName, 3, g));
            globalExports.Add(globalName);
        }

        string? memoryExport = null, tableExport = null;
        if (importedMemories + memories > 0)
        {
            memoryExport = exports.FirstOrDefault(e => e.Kind == 2 && e.Index == 0).Name;
            if (memoryExport is null) { memoryExport = MemoryExportName; added.Add((MemoryExportName, 2, 0)); }
        }
        if (importedTables + tables > 0)
        {
            tableExport = exports.FirstOrDefault(e => e.Kind == 1 && e.Index == 0).Name;
            if (tableExport is null) { tableExport = TableExportName; added.Add((TableExportName, 1, 0)); }
        }

        var exportBody = new WasmWriter();
        exportBody.U32((uint)(exports.Count + added.Count));
        foreach (var (n, k, i) in exports.Concat(added)) { exportBody.Name(n); exportBody.Byte(k); exportBody.U32(i); }

        // Reassemble: the export section replaces (or is inserted where) the old one was, the start section goes.
        var output = new WasmWriter();
        output.Raw(Magic);
        var exportWritten = false;
        foreach (var (id, body) in sections)
        {
            if (id == 8) continue;
            if (id == 7) { WriteSection(output, 7, exportBody.ToArray()); exportWritten = true; continue; }
            if (!exportWritten && id != 0 && Array.IndexOf(SectionOrder, id) > Array.IndexOf(SectionOrder, (byte)7))
            {
                WriteSection(output, 7, exportBody.ToArray());
                exportWritten = true;
            }
            WriteSection(output, id, body);
        }
        if (!exportWritten) WriteSection(output, 7, exportBody.ToArray());

        exportNames.UnionWith(added.Select(a => a.Name));
        return (output.ToArray(), new WasmModuleInfo(memory64, imports, exportNames, globalExports, memoryExport, tableExport, start is not null, customs));
    }

    private static void WriteSection(WasmWriter output, byte id, byte[] body)
    {
        output.Byte(id);
        output.U32((uint)body.Length);
        output.Raw(body);
    }

    public static string TypeName(byte t) => t switch
    {
        0x7F => "i32", 0x7E => "i64", 0x7D => "f32", 0x7C => "f64", 0x7B => "v128", 0x70 => "funcref", 0x6F => "externref",
        _ => $"0x{t:x2}",
    };

    private sealed class WasmReader(byte[] data, int position)
    {
        public int Position => position;
        public bool AtEnd => position >= data.Length;

        public byte Byte()
        {
            if (position >= data.Length) throw new InvalidWasmException("Failed to decode wasm module: unexpected end of the module");
            return data[position++];
        }

        public byte[] Bytes(int count)
        {
            if (count < 0 || position + count > data.Length) throw new InvalidWasmException("Failed to decode wasm module: a section runs past the end of the module");
            var result = data.AsSpan(position, count).ToArray();
            position += count;
            return result;
        }

        public ulong Leb(int maxBits)
        {
            ulong result = 0;
            var shift = 0;
            while (true)
            {
                var b = Byte();
                result |= (ulong)(b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0) return result;
                if (shift >= maxBits + 7) throw new InvalidWasmException("Failed to decode wasm module: malformed LEB128 integer");
            }
        }

        public uint U32() => (uint)Leb(32);

        public string Name()
        {
            var length = (int)U32();
            try { return new UTF8Encoding(false, true).GetString(Bytes(length)); }
            catch (DecoderFallbackException) { throw new InvalidWasmException("Failed to decode wasm module: a name is not valid UTF-8"); }
        }

        public byte ValueType()
        {
            var t = Byte();
            // (ref null? heaptype) from the function-references proposal: skip the heap type.
            if (t is 0x63 or 0x64) { Leb(33); }
            return t;
        }

        public byte[] ValueTypes()
        {
            var n = (int)U32();
            var result = new byte[n];
            for (var i = 0; i < n; i++) result[i] = ValueType();
            return result;
        }

        public void TableType()
        {
            ValueType();
            var flags = Byte();
            Leb(64);
            if ((flags & 1) != 0) Leb(64);
        }

        /// <summary>Reads memory limits; true when the memory is 64-bit.</summary>
        public bool MemoryType()
        {
            var flags = Byte();
            Leb(64);
            if ((flags & 1) != 0) Leb(64);
            return (flags & 4) != 0;
        }

        public void SkipConstExpr()
        {
            while (true)
            {
                var op = Byte();
                switch (op)
                {
                    case 0x0B: return;
                    case 0x41: Leb(32); break;
                    case 0x42: Leb(64); break;
                    case 0x43: Bytes(4); break;
                    case 0x44: Bytes(8); break;
                    case 0x23: U32(); break;
                    case 0xD0: Leb(33); break;
                    case 0xD2: U32(); break;
                    case 0x6A or 0x6B or 0x6C or 0x7C or 0x7D or 0x7E: break;
                    case 0xFD: U32(); Bytes(16); break;
                    default: throw new InvalidWasmException($"Failed to decode wasm module: unsupported instruction 0x{op:x2} in a constant expression");
                }
            }
        }
    }

    private sealed class WasmWriter
    {
        private readonly MemoryStream _stream = new();
        public void Byte(byte b) => _stream.WriteByte(b);
        public void Raw(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);
        public void U32(uint value)
        {
            do
            {
                var b = (byte)(value & 0x7F);
                value >>= 7;
                if (value != 0) b |= 0x80;
                _stream.WriteByte(b);
            } while (value != 0);
        }
        public void Name(string name)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            U32((uint)bytes.Length);
            Raw(bytes);
        }
        public byte[] ToArray() => _stream.ToArray();
    }
}
