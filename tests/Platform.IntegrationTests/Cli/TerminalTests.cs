using Platform.IntegrationTests.Auth;

namespace Platform.IntegrationTests.Cli;

/// <summary>`platform canister push` in a real terminal (tmux): the upload's progress display is drawn there.</summary>
[Collection(AuthCollection.Name)]
public sealed class TerminalTests(AuthFixture fixture) : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly Tmux _tmux = new();

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
        var (code, screen) = await _tmux.RunAsync(
            $"env PLATFORM_CONFIG='{_cli.ConfigDirectory}' dotnet '{CliRunner.Dll}' canister push '{file}' --name {name} --branch main", done);
        Assert.True(code is not null, "the push did not finish:\n" + screen);
        Assert.Equal("0", code);
        // The finished bar: the file's name, a full bar, 100 % and the bytes sent, then the result line.
        var bar = screen.Split('\n').FirstOrDefault(l => l.Contains("big_module.wasm"));
        Assert.True(bar is not null, screen);
        Assert.Contains("100%", bar);
        Assert.Contains("━", bar);
        Assert.Contains("pushed tty", screen);
    }

    public void Dispose()
    {
        _tmux.Dispose();
        _cli.Dispose();
    }
}
