using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Cli;

/// <summary>
/// The real `platform` binary (cli/Platform.Cli, built with the tests), run as a user runs it, with a config
/// directory of its own (PLATFORM_CONFIG) so no test sees another's login or the machine's.
/// </summary>
public sealed class CliRunner : IDisposable
{
    public string ConfigDirectory { get; } = Path.Combine(Path.GetTempPath(), $"platform-cli-{Guid.NewGuid():N}");
    public string WorkingDirectory { get; } = Path.Combine(Path.GetTempPath(), $"platform-cli-work-{Guid.NewGuid():N}");

    public CliRunner() => Directory.CreateDirectory(WorkingDirectory);

    public static string Dll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
            var dll = Path.Combine(RepositoryRoot.Path, "cli", "Platform.Cli", "bin", configuration, "net10.0", "platform.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build the solution first");
        }
    }

    public IDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["PLATFORM_CONFIG"] = ConfigDirectory,
        ["PLATFORM_SERVER"] = "",
        ["NO_COLOR"] = "1",
    };

    /// <param name="input">Written to stdin, which is then closed (a password for --password-stdin).</param>
    public async Task<Tool.Result> RunWithInputAsync(string? input, params string[] arguments)
    {
        // From its own working directory, which is no git checkout unless a test makes it one.
        var psiArguments = new List<string> { Dll };
        psiArguments.AddRange(arguments);
        return await Tool.RunAsync("dotnet", psiArguments, TimeSpan.FromMinutes(2),
            new Dictionary<string, string>(Environment) { ["PWD"] = WorkingDirectory }, input, WorkingDirectory);
    }

    public Task<Tool.Result> RunAsync(params string[] arguments) => RunWithInputAsync(null, arguments);

    /// <summary>Runs with --output json, expects exit 0, and parses stdout.</summary>
    public async Task<JsonElement> JsonAsync(params string[] arguments)
    {
        var result = await RunAsync([.. arguments, "--output", "json"]);
        Assert.True(result.ExitCode == 0, $"platform {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StdErr}\n{result.StdOut}");
        return JsonDocument.Parse(result.StdOut).RootElement.Clone();
    }

    /// <summary>Runs git commands (each a space-separated argument list) in <paramref name="directory"/> as a fixed author; HEAD's commit.</summary>
    public static async Task<string> GitAsync(string directory, params string[] commands)
    {
        var author = new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = "t", ["GIT_AUTHOR_EMAIL"] = "t@example.org", ["GIT_COMMITTER_NAME"] = "t", ["GIT_COMMITTER_EMAIL"] = "t@example.org",
        };
        foreach (var command in commands)
            await Tool.RunCheckedAsync("git", ["-C", directory, .. command.Split(' ')], environment: author);
        return (await Tool.RunCheckedAsync("git", ["-C", directory, "rev-parse", "HEAD"])).Trim();
    }

    public void Dispose()
    {
        try { Directory.Delete(ConfigDirectory, recursive: true); } catch (DirectoryNotFoundException) { }
        try { Directory.Delete(WorkingDirectory, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
