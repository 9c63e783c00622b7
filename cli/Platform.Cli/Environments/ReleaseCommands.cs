using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Cli.Hosting;

namespace Platform.Cli.Environments;

/// <summary>
/// `platform release ls|show|approve|reject`: an environment's releases. Deploy names a release by its
/// environment and id (/api/v1/environments/{env}/releases/{id}), so the commands take both; the id may be
/// shortened to a prefix that only one of the environment's releases has, as git takes commits.
/// </summary>
internal static class ReleaseCommands
{
    public static Command Create() => new("release", "An environment's releases: their plans and steps, and the approvers' votes")
    {
        List(), Show(), Vote("approve", "Approve a release awaiting approval (approvers the file names)"),
        Vote("reject", "Reject a release awaiting approval: it is cancelled (approvers the file names)"),
    };

    private static Argument<string> EnvArgument() => new("ENV") { Description = "The environment" };
    private static Argument<string> IdArgument() => new("ID") { Description = "The release's id, or a prefix of it" };

    private static string ReleasesPath(string env) => EnvironmentCommands.EnvironmentPath(env) + "/releases";

    /// <summary>The full id of the release <paramref name="id"/> names: itself, or the one release it is a prefix of.</summary>
    private static async Task<string> ResolveAsync(PlatformApi api, string env, string id, CancellationToken ct)
    {
        if (Guid.TryParse(id, out var full))
            return full.ToString();
        var prefix = id.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        if (prefix.Length < 4 || !prefix.All(char.IsAsciiHexDigit))
            throw new CliException(ExitCodes.Usage, $"'{id}' is not a release id (a GUID, or at least 4 of its hex digits)");
        var list = await api.GetJsonAsync(ReleasesPath(env) + "?limit=500", ct);
        var matches = list.GetProperty("releases").EnumerateArray().Select(r => Output.Text(r, "id")!)
            .Where(r => r.Replace("-", "", StringComparison.Ordinal).StartsWith(prefix, StringComparison.Ordinal)).ToList();
        return matches switch
        {
            [var one] => one,
            [] => throw new CliException(ExitCodes.NotFound, $"{env} has no release {id}"),
            _ => throw new CliException(ExitCodes.Usage, $"'{id}' names {matches.Count} releases of {env}: {string.Join(", ", matches)}"),
        };
    }

    private static Command List()
    {
        var env = EnvArgument();
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many (newest first)", DefaultValueFactory = _ => 20 };
        limit.Validators.Add(r => { if (r.GetValue(limit) is < 1 or > 500) r.AddError("--limit must be from 1 to 500"); });
        var ls = new Command("ls", "An environment's releases, newest first") { env, limit };
        ls.Run(async (parse, api, output, ct) =>
        {
            var answer = await api.GetJsonAsync(ReleasesPath(parse.GetValue(env)!) + $"?limit={parse.GetValue(limit)}", ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            output.Table(["ID", "STATUS", "CHANGES", "PLANNED BY", "PLANNED", "UPDATED", "REASON"], answer.GetProperty("releases").EnumerateArray().Select(r => new[]
            {
                Output.Text(r, "id"), Output.Text(r, "status"),
                r.GetProperty("deletesEnvironment").GetBoolean() ? "delete environment"
                    : string.Join(", ", ReleaseDisplay.Services(r).Where(s => Output.Text(s, "action") != "none").Select(s => $"{Output.Text(s, "name")}={Output.Text(s, "action")}")) is { Length: > 0 } c ? c : "none",
                Output.Text(r, "plannedBy"), Output.Text(r, "plannedAt"), Output.Text(r, "updatedAt"), Output.Text(r, "reason"),
            }));
            return ExitCodes.Ok;
        });
        return ls;
    }

    private static Command Show()
    {
        var env = EnvArgument();
        var id = IdArgument();
        var show = new Command("show", "A release: its plan, each service's state, its steps (timed) and votes") { env, id };
        show.Run(async (parse, api, output, ct) =>
        {
            var name = parse.GetValue(env)!;
            var release = await api.GetJsonAsync($"{ReleasesPath(name)}/{await ResolveAsync(api, name, parse.GetValue(id)!, ct)}", ct);
            if (output.Json)
            {
                output.WriteJson(release);
                return ExitCodes.Ok;
            }
            ReleaseDisplay.Release(output, release);
            output.Table(["STEP", "AT"], release.GetProperty("steps").EnumerateArray().Select(s => new[] { Output.Text(s, "status"), Output.Text(s, "at") }));
            return ExitCodes.Ok;
        });
        return show;
    }

    private static Command Vote(string vote, string description)
    {
        var env = EnvArgument();
        var id = IdArgument();
        var comment = new Option<string?>("--comment", "-m") { Description = "Why (recorded with the vote, at most 2000 characters)" };
        var command = new Command(vote, description) { env, id, comment };
        command.Run(async (parse, api, output, ct) =>
        {
            var name = parse.GetValue(env)!;
            var releaseId = await ResolveAsync(api, name, parse.GetValue(id)!, ct);
            using var request = api.Request(HttpMethod.Post, $"{ReleasesPath(name)}/{releaseId}/approvals");
            request.Content = JsonContent.Create(new { vote, comment = parse.GetValue(comment) });
            var release = await api.SendJsonAsync(request, ct);
            if (output.Json)
                output.WriteJson(release);
            else
            {
                output.Line($"{vote}d release {releaseId} of {name}: it is {Output.Text(release, "status")} now");
                ReleaseDisplay.Release(output, release);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
