namespace Platform.Pinning.Keys;

/// <summary>
/// The key that wraps every namespace key (Pinning:MasterKey, 32 bytes in base64 or base64url, or the file
/// Pinning:MasterKeyFile holds). It lives only in configuration, never in the database: the database alone does
/// not decrypt anything. With Pinning:CreateMasterKey=true a missing key file is created (a container's volume);
/// otherwise a missing key stops the service at start, not at the first private pin.
/// </summary>
internal sealed class MasterKey
{
    public const string Setting = "Pinning:MasterKey";
    public const string FileSetting = "Pinning:MasterKeyFile";
    public const string CreateSetting = "Pinning:CreateMasterKey";

    public MasterKey(byte[] key)
    {
        if (key.Length != 32)
            throw new InvalidOperationException($"the master key must be 32 bytes, not {key.Length}");
        Key = key;
    }

    public byte[] Key { get; }

    public static MasterKey FromConfiguration(IConfiguration configuration)
    {
        if (configuration[Setting] is { Length: > 0 } text)
            return new MasterKey(Decode(text, Setting));
        if (configuration[FileSetting] is { Length: > 0 } path)
        {
            if (!File.Exists(path) && configuration.GetValue<bool>(CreateSetting))
                Create(path);
            if (!File.Exists(path))
                throw new InvalidOperationException($"{FileSetting} names {path}, which does not exist (make up generates it; see README)");
            return new MasterKey(Decode(File.ReadAllText(path).Trim(), path));
        }
        throw new InvalidOperationException(
            $"{Setting} or {FileSetting} (env Pinning__MasterKey / Pinning__MasterKeyFile) is not set: Pinning wraps the " +
            "keys of private content with it. `make up` generates one; see README (IPFS and private content).");
    }

    private static void Create(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write,
                   UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        using (var writer = new StreamWriter(file))
            writer.Write(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        // Two instances starting at once: the first one's key wins, the second reads it.
        try { File.Move(temp, path, overwrite: false); }
        catch (IOException) when (File.Exists(path)) { File.Delete(temp); }
    }

    private static byte[] Decode(string text, string source)
    {
        var b64 = text.Trim().Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        try
        {
            return Convert.FromBase64String(b64);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"the master key in {source} is not base64");
        }
    }
}
