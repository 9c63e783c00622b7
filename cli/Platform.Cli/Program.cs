using System.CommandLine;
using Platform.Cli.Audit;
using Platform.Cli.Auth;
using Platform.Cli.Canisters;
using Platform.Cli.Completion;
using Platform.Cli.Hosting;
using Platform.Cli.Registry;

// platform: the platform's command line, kubectl-style: `platform <noun> <verb>`, `--output json` everywhere,
// exit codes that say what went wrong (Hosting/ExitCodes.cs).
var root = new RootCommand("""
    platform: drive the registry and its canister modules from the command line.

    Exit codes: 0 ok, 1 failed, 2 wrong command line, 3 not logged in or not allowed, 4 not found,
    5 refused by the platform (invalid, conflict), 6 platform unreachable or failing, 7 a check failed.
    """);
GlobalOptions.AddTo(root);
root.Subcommands.Add(LoginCommands.Login());
root.Subcommands.Add(LoginCommands.Logout());
root.Subcommands.Add(RegistryCommands.Repo());
root.Subcommands.Add(RegistryCommands.Tag());
root.Subcommands.Add(RegistryCommands.Gc());
root.Subcommands.Add(AuditCommands.Create());
root.Subcommands.Add(CanisterCommands.Create());
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
