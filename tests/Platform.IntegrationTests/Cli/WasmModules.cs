namespace Platform.IntegrationTests.Cli;

/// <summary>Well-formed WebAssembly modules for the CLI's pushes: the header and one custom section of filler.</summary>
public static class WasmModules
{
    public static byte[] WithCustomSection(int payloadBytes, int seed)
    {
        var name = "filler"u8.ToArray();
        var payload = new byte[payloadBytes];
        new Random(seed).NextBytes(payload);
        using var module = new MemoryStream();
        module.Write([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
        module.WriteByte(0); // custom section
        Leb128(module, (uint)(1 + name.Length + payload.Length));
        Leb128(module, (uint)name.Length);
        module.Write(name);
        module.Write(payload);
        return module.ToArray();
    }

    private static void Leb128(Stream stream, uint value)
    {
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            stream.WriteByte(value == 0 ? b : (byte)(b | 0x80));
        } while (value != 0);
    }
}
