using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Cli.Hosting;

/// <summary>One platform the CLI has logged in to: the account and its personal access token.</summary>
internal sealed record ServerLogin(string Username, string Token, string? TokenId);

/// <summary>
/// ~/.platform/config.json (PLATFORM_CONFIG names another directory), like docker's ~/.docker/config.json: the
/// platform in use and a login per platform URL. It holds tokens, so it is written with mode 600 (its directory
/// 700), and rewritten whole through a temporary file so a crash never leaves half a file.
/// </summary>
internal sealed class CliConfig
{
    public const string FileName = "config.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string? Current { get; set; }
    public Dictionary<string, ServerLogin> Auths { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public static string Directory =>
        Environment.GetEnvironmentVariable("PLATFORM_CONFIG") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".platform");

    public static string FilePath => Path.Combine(Directory, FileName);

    public static CliConfig Load()
    {
        if (!File.Exists(FilePath))
            return new CliConfig();
        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(FilePath), Json) ?? new CliConfig();
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Failed, $"{FilePath} is not valid JSON ({e.Message}): fix or delete it");
        }
    }

    public void Save()
    {
        var dir = System.IO.Directory.CreateDirectory(Directory);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temporary = FilePath + ".tmp";
        // Created with mode 600 before a byte is written: the token is never readable by others, not even briefly.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, options))
            JsonSerializer.Serialize(file, this, Json);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, FilePath, overwrite: true);
    }

    /// <summary>A URL as it is stored: scheme, host and port, no trailing slash.</summary>
    public static string Normalize(string url)
    {
        if (!url.Contains("://", StringComparison.Ordinal))
            url = "http://" + url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new CliException(ExitCodes.Usage, $"'{url}' is not a platform URL (http://host:port)");
        return uri.GetLeftPart(UriPartial.Authority);
    }
}
