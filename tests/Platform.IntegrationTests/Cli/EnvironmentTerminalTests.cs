namespace Platform.IntegrationTests.Cli;

/// <summary>`platform env apply` in a real terminal (tmux): the release's live display per service is drawn there.</summary>
[Collection(CliPlatformCollection.Name)]
public sealed class EnvironmentTerminalTests(CliPlatformFixture fixture) : IDisposable
{
    private readonly Tmux _tmux = new();

    [Fact]
    public async Task Env_apply_follows_the_release_with_a_live_table_of_its_services_in_a_terminal()
    {
        using var cli = await fixture.LoginAsync();
        var prefix = $"tty{Guid.NewGuid():N}"[..11];
        await CliPlatformFixture.PushAsync(cli, $"{CliPlatformFixture.Namespace}/{prefix}-a", "counter", "v1", 'f');
        await CliPlatformFixture.PushAsync(cli, $"{CliPlatformFixture.Namespace}/{prefix}-b", "caller", "v1", 'f');
        var file = CliPlatformFixture.WriteFile(cli, prefix, $"    ledger:\n      module: {CliPlatformFixture.Namespace}/{prefix}-a@v1\n      init: '(3)'\n" +
                                                             $"    front:\n      module: {CliPlatformFixture.Namespace}/{prefix}-b@v1\n");
        var done = Path.Combine(cli.WorkingDirectory, "exit-code");

        var (code, screen) = await _tmux.RunAsync(
            $"env PLATFORM_CONFIG='{cli.ConfigDirectory}' NO_COLOR=1 dotnet '{CliRunner.Dll}' env apply -f '{file}'", done, rows: 40);
        Assert.True(code is not null, "the apply did not finish:\n" + screen);
        Assert.Equal("0", code);
        // The live table as the release left it: its title with the final status, a row per service.
        Assert.True(screen.Contains($"of {prefix}: succeeded", StringComparison.Ordinal), screen);
        var rows = screen.Split('\n');
        Assert.True(rows.Any(l => l.Contains("ledger") && l.Contains("create+install") && l.Contains("done")), screen);
        Assert.True(rows.Any(l => l.Contains("front") && l.Contains("create+install") && l.Contains("done")), screen);
        Assert.Contains("╭", screen);
    }

    public void Dispose() => _tmux.Dispose();
}
