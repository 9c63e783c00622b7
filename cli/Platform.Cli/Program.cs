using System.CommandLine;
using Platform.Cli.Audit;
using Platform.Cli.Auth;
using Platform.Cli.Canisters;
using Platform.Cli.Completion;
using Platform.Cli.Environments;
using Platform.Cli.Hosting;
using Platform.Cli.Import;
using Platform.Cli.Registry;
using Platform.Cli.Scaler;

// platform: the platform's command line, kubectl-style: `platform <noun> <verb>`, `--output json` everywhere,
// exit codes that say what went wrong (Hosting/ExitCodes.cs).
var root = new RootCommand("""
    platform: drive the registry, its canister modules and their environments from the command line.

    Exit codes: 0 ok, 1 failed, 2 wrong command line, 3 not logged in or not allowed, 4 not found,
    5 refused by the platform (invalid, conflict; an invalid environment file), 6 platform unreachable or
    failing, 7 a check failed, 8 a release failed or was rolled back, 9 a release awaits approval.
    """);
GlobalOptions.AddTo(root);
root.Subcommands.Add(LoginCommands.Login());
root.Subcommands.Add(LoginCommands.Logout());
root.Subcommands.Add(RegistryCommands.Repo());
root.Subcommands.Add(RegistryCommands.Tag());
root.Subcommands.Add(RegistryCommands.Gc());
root.Subcommands.Add(AuditCommands.Create());
root.Subcommands.Add(CanisterCommands.Create());
var env = EnvironmentCommands.Create();
env.Subcommands.Add(ImportCommand.Create());
root.Subcommands.Add(env);
root.Subcommands.Add(ReleaseCommands.Create());
root.Subcommands.Add(EnvironmentCommands.Discover());
root.Subcommands.Add(ScalerCommands.Create());
root.Subcommands.Add(CompletionCommands.Completion());
root.Subcommands.Add(CompletionCommands.Complete(root));

var parse = root.Parse(args);
// A command line that does not parse is exit code 2 (System.CommandLine's own would be 1, which means "failed").
if (parse.Errors.Count > 0 && parse.CommandResult.Command.Name != CompletionCommands.Hidden)
{
    foreach (var error in parse.Errors)
        Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine($"See '{string.Join(' ', parse.CommandResult.Command.Parents.OfType<Command>().Reverse().Select(c => c.Name).Append(parse.CommandResult.Command.Name))} --help'.");
    return ExitCodes.Usage;
}
return await parse.InvokeAsync();
