using Platform.IntegrationTests.Auth;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Cli;

/// <summary>`platform canister push` in a real terminal (tmux): the upload's progress display is drawn there.</summary>
[Collection(AuthCollection.Name)]
public sealed class TerminalTests(AuthFixture fixture) : IDisposable
{
    private readonly CliRunner _cli = new();
    // A tmux server of this test's own (its own socket), so nobody else's sessions are touched.
    private readonly string _socket = $"platform-cli-{Guid.NewGuid():N}";

    [Fact]
    public async Task Canister_push_shows_a_progress_bar_for_the_upload_in_a_terminal()
    {
        var server = fixture.GatewayUrl.GetLeftPart(UriPartial.Authority);
        var login = await _cli.RunWithInputAsync(AuthFixture.AdminPassword + "\n", "login", server, "-u", "admin", "--password-stdin");
        Assert.Equal(0, login.ExitCode);
        var file = Path.Combine(_cli.WorkingDirectory, "big_module.wasm");
        File.WriteAllBytes(file, WasmModules.WithCustomSection(4 * 1024 * 1024, seed: 7));
        var done = Path.Combine(_cli.WorkingDirectory, "exit-code");

        var name = $"tty{Guid.NewGuid():N}"[..20] + "/big";
        var command = $"env PLATFORM_CONFIG='{_cli.ConfigDirectory}' dotnet '{CliRunner.Dll}' canister push '{file}' --name {name} --branch main; " +
                      $"echo $? > '{done}'; sleep 60";
        await Tool.RunCheckedAsync("tmux", ["-L", _socket, "new-session", "-d", "-s", "push", "-x", "120", "-y", "20", command]);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!File.Exists(done) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        var screen = await Tool.RunCheckedAsync("tmux", ["-L", _socket, "capture-pane", "-p", "-t", "push"]);
        Assert.True(File.Exists(done), "the push did not finish:\n" + screen);
        Assert.Equal("0", File.ReadAllText(done).Trim());
        // The finished bar: the file's name, a full bar, 100 % and the bytes sent, then the result line.
        var bar = screen.Split('\n').FirstOrDefault(l => l.Contains("big_module.wasm"));
        Assert.True(bar is not null, screen);
        Assert.Contains("100%", bar);
        Assert.Contains("━", bar);
        Assert.Contains("pushed tty", screen);
    }

    public void Dispose()
    {
        _ = Tool.RunAsync("tmux", ["-L", _socket, "kill-server"]).GetAwaiter().GetResult();
        _cli.Dispose();
    }
}
