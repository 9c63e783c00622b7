using System.CommandLine;
using System.Net.Http.Json;
using Platform.Cli.Hosting;
using Spectre.Console;

namespace Platform.Cli.Auth;

/// <summary>
/// `platform login [URL]` and `platform logout [URL]`. A login trades the password for a personal access token of
/// its own ("platform-cli on HOST", 90 days), stored in the config (mode 600) in place of the password, as
/// docker's credential store would; logout revokes that token on the platform and forgets it.
/// </summary>
internal static class LoginCommands
{
    private const int TokenDays = 90;

    public static Command Login()
    {
        var url = new Argument<string?>("URL") { Description = "The platform's URL (default: --server, PLATFORM_SERVER or the last one)", Arity = ArgumentArity.ZeroOrOne };
        var user = new Option<string?>("--username", "-u") { Description = "The account (asked for when not given)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from stdin (for scripts; never put it on the command line)" };
        var command = new Command("login", "Log in to a platform and store a token for it") { url, user, passwordStdin };
        command.RunLocal(async (parse, output, ct) =>
        {
            var config = CliConfig.Load();
            var server = parse.GetValue(url) is { Length: > 0 } given ? CliConfig.Normalize(given) : GlobalOptions.ServerOf(parse, config);
            var username = parse.GetValue(user) ?? Ask(output, "Username:", secret: false);
            var password = parse.GetValue(passwordStdin)
                ? (await Console.In.ReadToEndAsync(ct)).TrimEnd('\r', '\n')
                : Ask(output, "Password:", secret: true);
            if (username.Length == 0 || password.Length == 0)
                throw new CliException(ExitCodes.Usage, "a username and a password are needed");

            using var api = new PlatformApi(server, new ServerLogin(username, password, null));
            using var request = api.Request(HttpMethod.Post, "/api/v1/tokens");
            request.Content = JsonContent.Create(new { name = $"platform-cli on {Environment.MachineName}", expiresInDays = TokenDays });
            var created = await api.SendJsonAsync(request, ct);
            var token = Output.Text(created, "token") ?? throw new CliException(ExitCodes.Failed, "the platform answered no token");

            config.Auths[server] = new ServerLogin(username, token, Output.Text(created, "id"));
            config.Current = server;
            config.Save();
            if (output.Json)
                output.WriteJson(new { server, username, tokenId = Output.Text(created, "id"), expiresAt = Output.Text(created, "expiresAt"), config = CliConfig.FilePath });
            else
                output.Line($"Logged in to {server} as {username} (token stored in {CliConfig.FilePath})");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Logout()
    {
        var url = new Argument<string?>("URL") { Description = "The platform to log out of (default: the current one)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("logout", "Revoke the stored token and forget it") { url };
        command.RunLocal(async (parse, output, ct) =>
        {
            var config = CliConfig.Load();
            var server = parse.GetValue(url) is { Length: > 0 } given ? CliConfig.Normalize(given) : GlobalOptions.ServerOf(parse, config);
            if (!config.Auths.Remove(server, out var login))
                throw new CliException(ExitCodes.NotFound, $"not logged in to {server}");
            var revoked = false;
            if (login.TokenId is { } id)
            {
                try
                {
                    using var api = new PlatformApi(server, login);
                    using var request = api.Request(HttpMethod.Delete, $"/api/v1/tokens/{Uri.EscapeDataString(id)}");
                    using var _ = await api.SendAsync(request, ct);
                    revoked = true;
                }
                catch (CliException e)
                {
                    // Forgotten here all the same: a token that is already revoked or expired, or a platform
                    // that is away, must not keep the login on this machine.
                    output.Errors.MarkupLine($"[yellow]warning:[/] the token was not revoked on the platform: {Markup.Escape(e.Message)}");
                }
            }
            if (string.Equals(config.Current, server, StringComparison.OrdinalIgnoreCase))
                config.Current = null;
            config.Save();
            if (output.Json)
                output.WriteJson(new { server, revoked });
            else
                output.Line($"Logged out of {server}{(revoked ? " (token revoked)" : "")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Ask(Output output, string prompt, bool secret)
    {
        if (!output.Errors.Profile.Capabilities.Interactive || Console.IsInputRedirected)
            throw new CliException(ExitCodes.Usage, $"{prompt.TrimEnd(':').ToLowerInvariant()} not given (use --username and --password-stdin without a terminal)");
        var text = new TextPrompt<string>(prompt);
        if (secret)
            text = text.Secret();
        return output.Errors.Prompt(text);
    }
}
