using System.Security.Cryptography;
using Platform.Canisters;
using Platform.Ingest.Storage;

namespace Platform.Ingest.Canisters;

/// <summary>A module layer read from the content store, uncompressed and hashed, or why it could not be.</summary>
internal readonly record struct StoredModule(byte[]? Wasm, string? Hash, string? Problem)
{
    public static async Task<StoredModule> ReadAsync(ContentStore content, string layerDigest, string mediaType, CancellationToken ct)
    {
        var path = content.BlobPath(layerDigest);
        byte[] layer;
        try
        {
            if (new FileInfo(path).Length > CanisterArtifact.MaxModuleBytes)
                return new(null, null, $"the module layer is over the limit of {CanisterArtifact.MaxModuleBytes} bytes");
            layer = await File.ReadAllBytesAsync(path, ct);
        }
        catch (FileNotFoundException)
        {
            return new(null, null, "the module layer is not in the content store");
        }
        catch (DirectoryNotFoundException)
        {
            return new(null, null, "the module layer is not in the content store");
        }
        if (ModuleBytes.Uncompressed(layer, mediaType, out var error) is not { } wasm)
            return new(null, null, error);
        return new(wasm, HashOf(wasm), null);
    }

    public static string HashOf(byte[] wasm) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(wasm));
}
