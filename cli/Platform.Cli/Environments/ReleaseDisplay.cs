using System.Text.Json;
using Platform.Cli.Hosting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Platform.Cli.Environments;

/// <summary>
/// How plans and releases look: the plan as a table and a diff against what runs, a release's services with the
/// state each is in, and following a release to its end (a live table in a terminal, a line per change otherwise).
/// </summary>
internal static class ReleaseDisplay
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static bool IsFinal(string? status) => status is "succeeded" or "failed" or "rolled-back" or "cancelled";

    /// <summary>The exit code a release's status means (Hosting/ExitCodes.cs).</summary>
    public static int ExitCodeOf(string? status) => status switch
    {
        "succeeded" => ExitCodes.Ok,
        "awaiting-approval" => ExitCodes.AwaitingApproval,
        "failed" or "rolled-back" or "cancelled" => ExitCodes.ReleaseFailed,
        _ => ExitCodes.Failed,
    };

    public static IEnumerable<JsonElement> Services(JsonElement planOrRelease) =>
        planOrRelease.TryGetProperty("services", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray() : [];

    private static string Version(JsonElement s, string prefix = "") =>
        Output.Text(s, prefix.Length == 0 ? "selector" : prefix + "Selector") is { } selector ? $"{Output.Text(s, "module")}@{selector}" : "-";

    /// <summary>The plan: one row per service, what will happen to it, and the version it will run.</summary>
    public static void Plan(Output output, JsonElement plan)
    {
        output.Table(["SERVICE", "ACTION", "VERSION", "MODULE HASH", "CANISTER"], Services(plan).Select(s => new[]
        {
            Output.Text(s, "name"), Output.Text(s, "action"), Version(s), Output.Short(Output.Text(s, "moduleHash")), Output.Text(s, "canisterId"),
        }));
    }

    /// <summary>What changes, as a diff: what runs now (-) and what will (+), for every service that changes.</summary>
    public static void Diff(Output output, JsonElement plan)
    {
        var changes = Services(plan).Where(s => Output.Text(s, "action") != "none").ToList();
        if (changes.Count == 0)
        {
            output.Line("no changes: every service already runs what the file asks for");
            return;
        }
        foreach (var s in changes)
        {
            var name = Output.Text(s, "name");
            var action = Output.Text(s, "action");
            output.Console.MarkupLine($"[bold]{Markup.Escape($"{name} ({action})")}[/]");
            var before = action is "create+install" ? [] : Lines(s, "previous");
            var after = action is "delete" ? [] : Lines(s, "");
            foreach (var (key, value) in before)
                if (action is "delete" || after.GetValueOrDefault(key) != value)
                    output.Console.MarkupLine($"[red]{Markup.Escape($"-   {key}: {value}")}[/]");
            foreach (var (key, value) in after)
                if (action is "create+install" || before.GetValueOrDefault(key) != value || action is "reinstall" && key == "module")
                    output.Console.MarkupLine($"[green]{Markup.Escape($"+   {key}: {value}")}[/]");
            if (action is "reinstall")
                output.Console.MarkupLine("[yellow]    (reinstall: the canister's state is wiped)[/]");
        }
    }

    private static Dictionary<string, string> Lines(JsonElement s, string prefix)
    {
        string? Field(string name) => Output.Text(s, prefix.Length == 0 ? name : prefix + char.ToUpperInvariant(name[0]) + name[1..]);
        var lines = new Dictionary<string, string>();
        if (Field("selector") is not null) lines["module"] = $"{Output.Text(s, "module")}@{Field("selector")}";
        if (Field("moduleHash") is { } hash) lines["moduleHash"] = hash;
        if (Field("init") is { } init) lines["init"] = init;
        return lines;
    }

    /// <summary>What each service of a release is doing, from the release's status and what it has done so far.</summary>
    public static string StateOf(JsonElement release, JsonElement service)
    {
        var status = Output.Text(release, "status");
        var name = Output.Text(service, "name");
        var action = Output.Text(service, "action");
        bool In(string list) => release.TryGetProperty(list, out var l) && l.ValueKind == JsonValueKind.Array && l.EnumerateArray().Any(e => e.GetString() == name);
        if (action == "none") return "unchanged";
        return status switch
        {
            "succeeded" => action == "delete" ? "deleted" : "done",
            "rolled-back" => In("rolledBack") ? "rolled back" : "not changed",
            "failed" => In("installed") ? "installed, release failed" : "not changed",
            "cancelled" => "cancelled",
            "awaiting-approval" => "awaiting approval",
            "running" => In("installed") ? (action == "delete" ? "deleted" : "installed")
                : Output.Text(service, "canisterId") is not null && action == "create+install" ? "created, installing" : "waiting",
            _ => status ?? "-",
        };
    }

    private static IRenderable Table(JsonElement release)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "SERVICE", "ACTION", "STATE", "CANISTER" })
            table.AddColumn(column);
        foreach (var s in Services(release))
            table.AddRow(Markup.Escape(Output.Text(s, "name") ?? "-"), Markup.Escape(Output.Text(s, "action") ?? "-"),
                Markup.Escape(StateOf(release, s)), Markup.Escape(Output.Text(s, "canisterId") ?? "-"));
        // The status on a line of its own above the table: a table's title would be wrapped to the table's width.
        return new Rows(new Text($"release {Output.Text(release, "id")} of {Output.Text(release, "environment")}: {Output.Text(release, "status")}"), table);
    }

    public static void Release(Output output, JsonElement release)
    {
        output.Console.Write(Table(release));
        Summary(output, release);
    }

    private static void Summary(Output output, JsonElement release)
    {
        if (Output.Text(release, "reason") is { } reason)
            output.Line($"reason: {reason}");
        if (release.TryGetProperty("approvals", out var approvals) && approvals.ValueKind == JsonValueKind.Object)
        {
            var votes = approvals.TryGetProperty("votes", out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().ToList() : [];
            output.Line($"approvals: {votes.Count(x => Output.Text(x, "decision") == "approve")} of {Output.Text(approvals, "required")} " +
                        $"(approvers: {string.Join(", ", approvals.GetProperty("approvers").EnumerateArray().Select(a => a.GetString()))}; expires {Output.Text(approvals, "expiresAt")})");
            foreach (var vote in votes)
                output.Line($"  {Output.Text(vote, "approver")} {Output.Text(vote, "decision")}d at {Output.Text(vote, "at")}{(Output.Text(vote, "comment") is { } c ? $": {c}" : "")}");
        }
    }

    /// <summary>
    /// Polls the release until it ends or waits for approvals: a live table on stderr in a terminal, a line per
    /// change of state when stderr is not one (or nothing, for --output json). Answers the last state seen.
    /// </summary>
    public static async Task<JsonElement> FollowAsync(PlatformApi api, Output output, string location, JsonElement release, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        async Task<JsonElement> Next()
        {
            if (DateTime.UtcNow > deadline)
                throw new CliException(ExitCodes.Unavailable, $"the release is still {Output.Text(release, "status")} after {timeout}: follow it with `platform release show`");
            await Task.Delay(PollInterval, ct);
            return await api.GetJsonAsync(location, ct);
        }
        bool Waiting(JsonElement r) => !IsFinal(Output.Text(r, "status")) && Output.Text(r, "status") != "awaiting-approval";

        if (!output.Json && output.Errors.Profile.Capabilities.Interactive)
        {
            await output.Errors.Live(Table(release)).StartAsync(async live =>
            {
                while (Waiting(release))
                {
                    release = await Next();
                    live.UpdateTarget(Table(release));
                }
            });
        }
        else
        {
            var seen = new Dictionary<string, string>();
            void Report(JsonElement r)
            {
                if (output.Json) return;
                foreach (var s in Services(r))
                {
                    var name = Output.Text(s, "name") ?? "";
                    var state = StateOf(r, s);
                    if (seen.GetValueOrDefault(name) != state)
                        output.Errors.WriteLine($"{name}: {state}");
                    seen[name] = state;
                }
            }
            Report(release);
            while (Waiting(release))
            {
                release = await Next();
                Report(release);
            }
        }
        if (!output.Json)
        {
            if (!output.Errors.Profile.Capabilities.Interactive)
                output.Console.Write(Table(release));
            Summary(output, release);
        }
        return release;
    }
}
