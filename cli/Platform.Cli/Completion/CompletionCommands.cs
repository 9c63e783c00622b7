using System.CommandLine;

namespace Platform.Cli.Completion;

/// <summary>
/// Shell completion: `platform completion bash|zsh` prints a script that asks the CLI itself
/// (`platform __complete WORDS...`) for the words that fit, so completions follow the commands and options as
/// they are, with no list to keep in step. `source <(platform completion bash)` in ~/.bashrc.
/// </summary>
internal static class CompletionCommands
{
    public const string Hidden = "__complete";

    private const string Bash = """
        _platform_complete() {
            local IFS=$'\n'
            COMPREPLY=($(platform __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
        }
        complete -o default -F _platform_complete platform
        """;

    private const string Zsh = """
        #compdef platform
        _platform() {
            local -a completions
            completions=("${(@f)$(platform __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
            compadd -a completions
        }
        compdef _platform platform
        """;

    public static Command Completion()
    {
        var shell = new Argument<string>("SHELL") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Print the shell completion script (source <(platform completion bash))") { shell };
        command.SetAction(parse =>
        {
            Console.Out.WriteLine(parse.GetValue(shell) == "zsh" ? Zsh : Bash);
            return 0;
        });
        return command;
    }

    /// <summary>`platform __complete WORD... PARTIAL`: the completions of the last word, one per line.</summary>
    public static Command Complete(RootCommand root)
    {
        var words = new Argument<string[]>("WORDS") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(Hidden) { words };
        command.Hidden = true;
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var given = parse.GetValue(words) ?? [];
            var line = string.Join(' ', given.Select(w => w.Contains(' ') ? $"\"{w}\"" : w));
            var partial = given.Length > 0 ? given[^1] : "";
            foreach (var item in root.Parse(line).GetCompletions(line.Length))
                if (item.Label.StartsWith(partial, StringComparison.Ordinal) && item.Label != Hidden)
                    Console.Out.WriteLine(item.Label);
            return 0;
        });
        return command;
    }
}
