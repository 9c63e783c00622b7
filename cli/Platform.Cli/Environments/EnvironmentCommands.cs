using System.CommandLine;
using System.Text;
using System.Text.Json;
using Platform.Cli.Hosting;
using Spectre.Console;

namespace Platform.Cli.Environments;

/// <summary>
/// `platform env apply|diff|status|ls|delete` and `platform discover`: environments through Deploy's API
/// (/api/v1/environments), kubectl-style: the plan first, a question before state is wiped, then the release
/// followed to its end.
/// </summary>
internal static class EnvironmentCommands
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(15);

    private static Option<FileInfo> FileOption() => new("--file", "-f") { Description = "The environment file (YAML or JSON)", Required = true };

    private static Option<bool> YesOption() => new("--yes", "-y") { Description = "Do not ask before a reinstall or a deletion" };

    private static Option<TimeSpan> TimeoutOption() => new("--timeout")
    {
        Description = "How long to follow the release (default 15m; it goes on on the platform after that)",
        DefaultValueFactory = _ => DefaultTimeout,
        CustomParser = r =>
        {
            if (Duration(r.Tokens.Single().Value) is { } duration)
                return duration;
            r.AddError("--timeout is a duration: 90s, 10m, 1h or hh:mm:ss");
            return default;
        },
    };

    private static TimeSpan? Duration(string text) =>
        text.Length > 1 && double.TryParse(text[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? text[^1] switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => null }
            : TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var t) && t > TimeSpan.Zero ? t : null;

    public static string EnvironmentPath(string env) => "/api/v1/environments/" + Uri.EscapeDataString(env);

    public static Command Create()
    {
        var env = new Command("env", "Environments: canister services as desired state, released onto the engine")
        {
            Apply(), Diff(), Status(), List(), Delete(),
        };
        return env;
    }

    private static async Task<JsonElement> PutAsync(PlatformApi api, EnvironmentFileText file, string query, CancellationToken ct)
    {
        using var request = api.Request(HttpMethod.Put, EnvironmentPath(file.Name) + query);
        request.Content = new StringContent(file.Text, Encoding.UTF8, file.Text.TrimStart().StartsWith('{') ? "application/json" : "application/yaml");
        return await api.SendJsonAsync(request, ct);
    }

    private static Command Apply()
    {
        var file = FileOption();
        var yes = YesOption();
        var reinstall = new Option<string[]>("--reinstall") { Description = "Reinstall these services (their state is wiped), comma-separated or repeated", AllowMultipleArgumentsPerToken = true };
        var noWait = new Option<bool>("--no-wait") { Description = "Record the release and return without following it" };
        var timeout = TimeoutOption();
        var apply = new Command("apply", """
            Apply an environment file: print the plan and what changes, ask before a reinstall or a deletion, then
            follow the release until it ends or waits for approvals.
            Exit codes: 0 succeeded, 8 failed or rolled back (or rejected), 9 awaiting approval, 5 invalid file.
            """) { file, yes, reinstall, noWait, timeout };
        apply.Run(async (parse, api, output, ct) =>
        {
            var text = EnvironmentFileText.Read(parse.GetValue(file)!);
            var reinstalls = (parse.GetValue(reinstall) ?? []).SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
            var query = reinstalls.Count > 0 ? "reinstall=" + Uri.EscapeDataString(string.Join(',', reinstalls)) : null;

            var plan = await PutAsync(api, text, "?dryRun=true" + (query is null ? "" : "&" + query), ct);
            if (!output.Json)
            {
                output.Line($"environment {text.Name} (namespace {Output.Text(plan, "namespace")}): plan");
                ReleaseDisplay.Plan(output, plan);
                ReleaseDisplay.Diff(output, plan);
            }
            var destructive = ReleaseDisplay.Services(plan).Where(s => Output.Text(s, "action") is "reinstall" or "delete")
                .Select(s => $"{Output.Text(s, "name")} ({Output.Text(s, "action")})").ToList();
            if (destructive.Count > 0 && !parse.GetValue(yes))
                Confirm(output, $"This wipes the state of {string.Join(", ", destructive)}. Go ahead?");

            var release = await PutAsync(api, text, query is null ? "" : "?" + query, ct);
            return await FollowAsync(api, output, text.Name, release, parse.GetValue(noWait), parse.GetValue(timeout), ct);
        });
        return apply;
    }

    /// <summary>Follows a release just recorded (unless --no-wait) and answers the exit code of where it ended.</summary>
    private static async Task<int> FollowAsync(PlatformApi api, Output output, string env, JsonElement release, bool noWait, TimeSpan timeout, CancellationToken ct)
    {
        var location = $"{EnvironmentPath(env)}/releases/{Output.Text(release, "id")}";
        if (!output.Json)
            output.Line($"release {Output.Text(release, "id")} recorded");
        if (!noWait)
            release = await ReleaseDisplay.FollowAsync(api, output, location, release, timeout, ct);
        if (output.Json)
            output.WriteJson(release);
        var status = Output.Text(release, "status");
        if (!output.Json && status == "awaiting-approval")
            output.Line($"waiting for approvals: `platform release approve {env} {Output.Text(release, "id")}`");
        return noWait && !ReleaseDisplay.IsFinal(status) && status != "awaiting-approval" ? ExitCodes.Ok : ReleaseDisplay.ExitCodeOf(status);
    }

    /// <summary>Asks on the terminal; without one (a script, CI) refuses, since nobody can say yes: --yes does.</summary>
    public static void Confirm(Output output, string question)
    {
        if (Console.IsInputRedirected || !output.Errors.Profile.Capabilities.Interactive)
            throw new CliException(ExitCodes.Usage, $"{question} (not asked without a terminal: pass --yes)");
        if (!output.Errors.Confirm(Markup.Escape(question), defaultValue: false))
            throw new CliException(ExitCodes.Failed, "not applied");
    }

    private static Command Diff()
    {
        var file = FileOption();
        var diff = new Command("diff", "The plan for a file (a dry run: nothing is recorded), as a table and a diff against what runs") { file };
        diff.Run(async (parse, api, output, ct) =>
        {
            var text = EnvironmentFileText.Read(parse.GetValue(file)!);
            var plan = await PutAsync(api, text, "?dryRun=true", ct);
            if (output.Json)
            {
                output.WriteJson(plan);
                return ExitCodes.Ok;
            }
            ReleaseDisplay.Plan(output, plan);
            ReleaseDisplay.Diff(output, plan);
            return ExitCodes.Ok;
        });
        return diff;
    }

    private static Command Status()
    {
        var name = new Argument<string>("NAME") { Description = "The environment" };
        var at = new Option<DateTimeOffset?>("--at") { Description = "As it was at this time (RFC 3339)" };
        var status = new Command("status", "An environment's services: desired and running versions, canisters, drift") { name, at };
        status.Run(async (parse, api, output, ct) =>
        {
            var env = await api.GetJsonAsync(EnvironmentPath(parse.GetValue(name)!) + PlatformApi.Query(("at", PlatformApi.Time(parse.GetValue(at)))), ct);
            if (output.Json)
            {
                output.WriteJson(env);
                return ExitCodes.Ok;
            }
            output.Line($"{Output.Text(env, "name")} (namespace {Output.Text(env, "namespace")}): latest release {Output.Text(env, "latestRelease") ?? "-"}, " +
                        $"last successful {Output.Text(env, "lastSuccessfulRelease") ?? "-"}{(env.GetProperty("drift").GetBoolean() ? ", DRIFT" : "")}");
            output.Table(["SERVICE", "DESIRED", "RUNNING", "MODULE HASH", "CANISTER", "SUBNET", "STATUS"], ReleaseDisplay.Services(env).Select(s =>
            {
                var desired = s.GetProperty("desired");
                var actual = s.GetProperty("actual");
                var running = actual.ValueKind == JsonValueKind.Object ? actual : default;
                return new[]
                {
                    Output.Text(s, "name"),
                    desired.ValueKind == JsonValueKind.Object ? $"{Output.Text(desired, "module")}@{Output.Text(desired, "selector")}" : "(removed)",
                    running.ValueKind == JsonValueKind.Object ? $"{Output.Text(running.GetProperty("version"), "module")}@{Output.Text(running.GetProperty("version"), "selector")}" : "-",
                    running.ValueKind == JsonValueKind.Object ? Output.Short(Output.Text(running, "moduleHash")) : null,
                    running.ValueKind == JsonValueKind.Object ? running.GetProperty("canisterIds")[0].GetString() : null,
                    running.ValueKind == JsonValueKind.Object ? Output.Text(running.GetProperty("instances")[0], "subnetId") : null,
                    running.ValueKind == JsonValueKind.Object ? Output.Text(running, "status") + (running.GetProperty("drift").ValueKind == JsonValueKind.Object
                        ? $" (drift: {Output.Text(running.GetProperty("drift"), "kind")})" : "") : "not running",
                };
            }));
            return ExitCodes.Ok;
        });
        return status;
    }

    private static Command List()
    {
        var ns = new Option<string?>("--namespace", "-n") { Description = "Only this namespace's environments" };
        var ls = new Command("ls", "Every environment, with its latest release (admins)") { ns };
        ls.Run(async (parse, api, output, ct) =>
        {
            var answer = await api.GetJsonAsync("/api/v1/environments" + PlatformApi.Query(("namespace", parse.GetValue(ns))), ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            output.Table(["NAME", "NAMESPACE", "SERVICES", "DRIFT", "LATEST RELEASE", "STATUS", "AT"], answer.GetProperty("environments").EnumerateArray().Select(e =>
            {
                var latest = e.TryGetProperty("latestRelease", out var l) && l.ValueKind == JsonValueKind.Object ? l : default;
                return new[]
                {
                    Output.Text(e, "name"), Output.Text(e, "namespace"), Output.Text(e, "services"), e.GetProperty("drift").GetBoolean() ? "yes" : "no",
                    latest.ValueKind == JsonValueKind.Object ? Output.Text(latest, "id") : null,
                    latest.ValueKind == JsonValueKind.Object ? Output.Text(latest, "status") : null,
                    latest.ValueKind == JsonValueKind.Object ? Output.Text(latest, "updatedAt") : null,
                };
            }));
            return ExitCodes.Ok;
        });
        return ls;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("NAME") { Description = "The environment" };
        var yes = YesOption();
        var noWait = new Option<bool>("--no-wait") { Description = "Record the release and return without following it" };
        var timeout = TimeoutOption();
        var delete = new Command("delete", "Delete an environment: a release that removes every canister (approvals apply)") { name, yes, noWait, timeout };
        delete.Run(async (parse, api, output, ct) =>
        {
            var env = parse.GetValue(name)!;
            // The environment must exist before anyone is asked about it.
            await api.GetJsonAsync(EnvironmentPath(env), ct);
            if (!parse.GetValue(yes))
                Confirm(output, $"This deletes every canister of {env}, and their state. Go ahead?");
            using var request = api.Request(HttpMethod.Delete, EnvironmentPath(env));
            var release = await api.SendJsonAsync(request, ct);
            return await FollowAsync(api, output, env, release, parse.GetValue(noWait), parse.GetValue(timeout), ct);
        });
        return delete;
    }

    public static Command Discover()
    {
        var env = new Argument<string>("ENV") { Description = "The environment" };
        var service = new Argument<string>("SERVICE") { Description = "The service" };
        var discover = new Command("discover", "Where a service runs: its canister ids, their subnets, its module") { env, service };
        discover.Run(async (parse, api, output, ct) =>
        {
            var answer = await api.GetJsonAsync($"{EnvironmentPath(parse.GetValue(env)!)}/services/{Uri.EscapeDataString(parse.GetValue(service)!)}", ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            var version = answer.GetProperty("version");
            output.Line($"{Output.Text(answer, "name")}: {Output.Text(version, "module")}@{Output.Text(version, "selector")} ({Output.Short(Output.Text(answer, "moduleHash"))}), {Output.Text(answer, "status")}");
            output.Table(["CANISTER", "SUBNET"], answer.GetProperty("instances").EnumerateArray().Select(i => new[] { Output.Text(i, "canisterId"), Output.Text(i, "subnetId") }));
            return ExitCodes.Ok;
        });
        return discover;
    }
}
