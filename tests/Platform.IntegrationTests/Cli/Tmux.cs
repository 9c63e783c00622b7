using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Cli;

/// <summary>
/// A tmux server of a test's own (its own socket, so nobody else's sessions are touched) running one command in a
/// real terminal: the screen as the user would see it once the command has finished.
/// </summary>
public sealed class Tmux : IDisposable
{
    private readonly string _socket = $"platform-cli-{Guid.NewGuid():N}";

    public sealed record Finished(string? ExitCode, string Screen);

    /// <summary>
    /// Runs <paramref name="command"/> (a shell command line) in a 120x<paramref name="rows"/> terminal, waits for
    /// it to end (its exit status is written to <paramref name="doneFile"/>), and captures the screen.
    /// </summary>
    public async Task<Finished> RunAsync(string command, string doneFile, int rows = 20)
    {
        await Tool.RunCheckedAsync("tmux", ["-L", _socket, "new-session", "-d", "-s", "cli", "-x", "120", "-y", rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{command}; echo $? > '{doneFile}'; sleep 60"]);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!File.Exists(doneFile) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        // The status is written before the file is closed: read it once it has a line.
        string? code = null;
        while (File.Exists(doneFile) && (code = File.ReadAllText(doneFile).Trim()).Length == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var screen = await Tool.RunCheckedAsync("tmux", ["-L", _socket, "capture-pane", "-p", "-t", "cli"]);
        return new Finished(string.IsNullOrEmpty(code) ? null : code, screen);
    }

    public void Dispose() => _ = Tool.RunAsync("tmux", ["-L", _socket, "kill-server"]).GetAwaiter().GetResult();
}
