using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Platform.Cli.Hosting;

namespace Platform.Cli.Scaler;

/// <summary>
/// `platform scaler decisions|state`: the Scaler's read API (/api/v1/scaler). Admins see every environment; a
/// namespace's members pass --namespace.
/// </summary>
internal static class ScalerCommands
{
    public static Command Create()
    {
        var ns = new Option<string?>("--namespace", "-n") { Description = "Only this namespace (required unless you are an admin)" };
        var env = new Option<string?>("--env", "-e") { Description = "Only this environment" };
        var service = new Option<string?>("--service") { Description = "Only this service" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "From this time (RFC 3339)" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first (1 to 1000)", DefaultValueFactory = _ => 100 };
        limit.Validators.Add(r => { if (r.GetValue(limit) is < 1 or > 1000) r.AddError("--limit must be from 1 to 1000"); });
        var decisions = new Command("decisions", "The Scaler's decisions, newest first, with the signals behind each") { ns, env, service, since, limit };
        decisions.Run(async (parse, api, output, ct) =>
        {
            var answer = await api.GetJsonAsync("/api/v1/scaler/decisions" + PlatformApi.Query(("namespace", parse.GetValue(ns)), ("environment", parse.GetValue(env)),
                ("service", parse.GetValue(service)), ("since", PlatformApi.Time(parse.GetValue(since))),
                ("limit", parse.GetValue(limit).ToString(CultureInfo.InvariantCulture))), ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            output.Table(["AT", "SERVICE", "DECISION", "REPLICAS", "SUBNETS", "REASON"], answer.GetProperty("decisions").EnumerateArray().Select(d => new[]
            {
                Output.Text(d, "decidedAt"), $"{Output.Text(d, "namespace")}/{Output.Text(d, "environment")}/{Output.Text(d, "service")}", Output.Text(d, "kind"),
                $"{Output.Text(d, "from")} -> {Output.Text(d, "to")}", string.Join(", ", Strings(d, "subnets").Select(Short)), Output.Text(d, "reason"),
            }));
            return ExitCodes.Ok;
        });

        var stateNs = new Option<string?>("--namespace", "-n") { Description = "Only this namespace (required unless you are an admin)" };
        var stateEnv = new Option<string?>("--env", "-e") { Description = "Only this environment" };
        var state = new Command("state", "Each service's instances with their latest load and last decision, and every subnet's load") { stateNs, stateEnv };
        state.Run(async (parse, api, output, ct) =>
        {
            var answer = await api.GetJsonAsync("/api/v1/scaler/state" + PlatformApi.Query(("namespace", parse.GetValue(stateNs)), ("environment", parse.GetValue(stateEnv))), ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            output.Table(["SERVICE", "CANISTER", "SUBNET", "MSG/S", "INSTR/S", "QUEUE", "LAST DECISION"], answer.GetProperty("environments").EnumerateArray()
                .SelectMany(e => e.GetProperty("services").EnumerateArray().SelectMany(s => s.GetProperty("instances").EnumerateArray().Select(i =>
                {
                    var latest = i.TryGetProperty("latest", out var l) && l.ValueKind == JsonValueKind.Object ? l : default;
                    var last = s.TryGetProperty("lastDecision", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
                    return new[]
                    {
                        $"{Output.Text(e, "namespace")}/{Output.Text(e, "environment")}/{Output.Text(s, "name")}", Output.Text(i, "canisterId"), Short(Output.Text(i, "subnetId")),
                        latest.ValueKind == JsonValueKind.Object ? Output.Text(latest, "messagesPerSecond") : null,
                        latest.ValueKind == JsonValueKind.Object ? Output.Text(latest, "instructionsPerSecond") : null,
                        latest.ValueKind == JsonValueKind.Object ? Output.Text(latest, "queueDepth") : null,
                        last.ValueKind == JsonValueKind.Object ? $"{Output.Text(last, "kind")} at {Output.Text(last, "at")}" : null,
                    };
                }))));
            output.Table(["SUBNET", "KIND", "INSTR/S", "UTILISATION", "AT"], answer.GetProperty("subnets").EnumerateArray().Select(s => new[]
            {
                Output.Text(s, "subnetId"), Output.Text(s, "kind"), Output.Text(s, "instructionsPerSecond"),
                s.TryGetProperty("utilisation", out var u) ? u.GetDouble().ToString("P1", CultureInfo.InvariantCulture) : null, Output.Text(s, "at"),
            }));
            return ExitCodes.Ok;
        });
        return new Command("scaler", "The Scaler: its decisions and what it sees") { decisions, state };
    }

    private static IEnumerable<string> Strings(JsonElement e, string property) =>
        e.TryGetProperty(property, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(x => x.GetString() ?? "") : [];

    // A subnet id is a long principal: its first group says which one it is.
    private static string Short(string? principal) => principal is { Length: > 11 } p ? p[..11] + "..." : principal ?? "-";
}
