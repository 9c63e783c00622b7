using System.CommandLine;
using Spectre.Console;

namespace Platform.Cli.Hosting;

/// <summary>The options every command takes, and the one way a command runs (its failures become exit codes).</summary>
internal static class GlobalOptions
{
    public static readonly Option<OutputFormat> Output = new("--output", "-o")
    {
        Description = "table (for people) or json (for scripts)",
        Recursive = true,
        DefaultValueFactory = _ => OutputFormat.Table,
    };

    public static readonly Option<string?> Server = new("--server", "-s")
    {
        Description = "The platform's URL (default: PLATFORM_SERVER, else the one `platform login` used last)",
        Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Output);
        root.Options.Add(Server);
    }

    /// <summary>The server to talk to: --server, PLATFORM_SERVER, the config's current one.</summary>
    public static string ServerOf(ParseResult parse, CliConfig config) =>
        parse.GetValue(Server) is { Length: > 0 } given ? CliConfig.Normalize(given)
        : Environment.GetEnvironmentVariable("PLATFORM_SERVER") is { Length: > 0 } env ? CliConfig.Normalize(env)
        : config.Current ?? throw new CliException(ExitCodes.Usage, "no platform given: run `platform login URL`, or pass --server URL");

    public static Output OutputOf(ParseResult parse)
    {
        var stdout = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Out) });
        var stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
        // Piped or redirected, tables and messages are for grep and logs: not wrapped at 80 columns (COLUMNS still decides).
        if (Environment.GetEnvironmentVariable("COLUMNS") is null)
        {
            if (System.Console.IsOutputRedirected) stdout.Profile.Width = 240;
            if (System.Console.IsErrorRedirected) stderr.Profile.Width = 240;
        }
        return new Output(parse.GetValue(Output), stdout, stderr);
    }

    /// <summary>Sets <paramref name="command"/>'s action: it gets the API of the chosen server, with its login.</summary>
    public static void Run(this Command command, Func<ParseResult, PlatformApi, Output, CancellationToken, Task<int>> action) =>
        command.RunLocal(async (parse, output, ct) =>
        {
            var config = CliConfig.Load();
            var server = ServerOf(parse, config);
            using var api = new PlatformApi(server, config.Auths.GetValueOrDefault(server));
            return await action(parse, api, output, ct);
        });

    /// <summary>Sets <paramref name="command"/>'s action, its failures turned into their exit codes and one line.</summary>
    public static void RunLocal(this Command command, Func<ParseResult, Output, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, ct) =>
        {
            var output = OutputOf(parse);
            try
            {
                return await action(parse, output, ct);
            }
            catch (CliException e)
            {
                return Fail(output, e.ExitCode, e.Message);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Fail(output, ExitCodes.Failed, "cancelled");
            }
            catch (TaskCanceledException)
            {
                return Fail(output, ExitCodes.Unavailable, "the platform did not answer in time");
            }
            catch (IOException e)
            {
                return Fail(output, ExitCodes.Failed, e.Message);
            }
        });

    public static int Fail(Output output, int exitCode, string message)
    {
        if (output.Json)
            System.Console.Error.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { error = message, exitCode }));
        else
            output.Errors.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return exitCode;
    }
}
