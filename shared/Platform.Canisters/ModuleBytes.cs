using System.IO.Compression;

namespace Platform.Canisters;

/// <summary>A module layer's bytes as the engine runs them: gunzipped when the layer is compressed, within the size limit.</summary>
public static class ModuleBytes
{
    /// <summary>
    /// The uncompressed module, or null with <paramref name="error"/> when the gzip stream is corrupt or inflates past
    /// <see cref="CanisterArtifact.MaxModuleBytes"/> (read no further than the limit: a small bomb must not fill memory).
    /// </summary>
    public static byte[]? Uncompressed(byte[] layer, string mediaType, out string? error)
    {
        error = null;
        if (layer.Length > CanisterArtifact.MaxModuleBytes)
        {
            error = $"the module is {layer.Length} bytes, over the limit of {CanisterArtifact.MaxModuleBytes}";
            return null;
        }
        if (mediaType != CanisterArtifact.GzipWasmMediaType)
            return layer;
        try
        {
            using var input = new GZipStream(new MemoryStream(layer), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                if (output.Length + read > CanisterArtifact.MaxModuleBytes)
                {
                    error = $"the module inflates past the limit of {CanisterArtifact.MaxModuleBytes} bytes";
                    return null;
                }
                output.Write(buffer, 0, read);
            }
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            error = $"the layer is not a valid gzip stream: {e.Message}";
            return null;
        }
    }
}
