using System.CommandLine;
using System.Text.Json;
using Platform.Cli.Hosting;
using Spectre.Console;

namespace Platform.Cli.Audit;

/// <summary>`platform audit query|verify|export`: the hash-chained audit log (admins).</summary>
internal static class AuditCommands
{
    public static Command Create()
    {
        var repository = new Option<string?>("--repository") { Description = "Only this repository's entries" };
        var action = new Option<string?>("--action") { Description = "e.g. manifest.pushed" };
        var actor = new Option<string?>("--actor") { Description = "Who did it" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "From this time (RFC 3339)" };
        var until = new Option<DateTimeOffset?>("--until") { Description = "Until this time (RFC 3339)" };
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many entries (newest first)", DefaultValueFactory = _ => 100 };
        limit.Validators.Add(r => { if (r.GetValue(limit) is < 1) r.AddError("--limit must be at least 1"); });
        var query = new Command("query", "Entries of the audit log, newest first") { repository, action, actor, since, until, limit };
        query.Run(async (parse, api, output, ct) =>
        {
            var wanted = parse.GetValue(limit);
            var events = new List<JsonElement>();
            string? cursor = null;
            do
            {
                var filter = PlatformApi.Query(("repository", parse.GetValue(repository)), ("action", parse.GetValue(action)), ("actor", parse.GetValue(actor)),
                    ("since", PlatformApi.Time(parse.GetValue(since))), ("until", PlatformApi.Time(parse.GetValue(until))),
                    ("limit", Math.Min(1000, wanted - events.Count).ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", cursor));
                var page = await api.GetJsonAsync("/api/v1/audit/events" + filter, ct);
                events.AddRange(page.GetProperty("events").EnumerateArray());
                cursor = Output.Text(page, "nextCursor");
            } while (cursor is not null && events.Count < wanted);
            if (output.Json)
                output.WriteJson(new { events });
            else
                output.Table(["SEQ", "OCCURRED", "ACTOR", "ACTION", "REPOSITORY", "TAG", "DIGEST"], events.Select(e => new[]
                {
                    Output.Text(e, "sequence"), Output.Text(e, "occurredAt"), Output.Text(e, "actor"), Output.Text(e, "action"),
                    Output.Text(e, "repository"), Output.Text(e, "tag"), Output.Short(Output.Text(e, "digest")),
                }));
            return ExitCodes.Ok;
        });

        var verify = new Command("verify", "Check the hash chain; exit 7 when it is broken");
        verify.Run(async (parse, api, output, ct) =>
        {
            var result = await api.GetJsonAsync("/api/v1/audit/verify", ct);
            var valid = result.GetProperty("valid").GetBoolean();
            if (output.Json)
                output.WriteJson(result);
            else if (valid)
                output.Line($"valid: {Output.Text(result, "checked")} entries checked");
            else
                output.Line($"BROKEN at sequence {Output.Text(result, "firstInvalidSequence")} ({Output.Text(result, "checked")} entries valid before it)");
            return valid ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });

        var exportSince = new Option<DateTimeOffset?>("--since") { Description = "From this time (RFC 3339)" };
        var exportUntil = new Option<DateTimeOffset?>("--until") { Description = "Until this time (RFC 3339)" };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Write to this file instead of stdout" };
        var export = new Command("export", "The audit log as JSON lines, oldest first") { exportSince, exportUntil, file };
        export.Run(async (parse, api, output, ct) =>
        {
            using var request = api.Request(HttpMethod.Get, "/api/v1/audit/export" +
                PlatformApi.Query(("since", PlatformApi.Time(parse.GetValue(exportSince))), ("until", PlatformApi.Time(parse.GetValue(exportUntil)))));
            using var response = await api.SendAsync(request, ct, HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            if (parse.GetValue(file) is { } target)
            {
                // Streamed to a temporary file and moved in place: an interrupted export leaves no partial file.
                var temporary = target.FullName + ".part";
                await using (var written = File.Create(temporary))
                    await body.CopyToAsync(written, ct);
                File.Move(temporary, target.FullName, overwrite: true);
                output.Errors.WriteLine($"exported to {target.FullName}");
            }
            else
            {
                await using var stdout = Console.OpenStandardOutput();
                await body.CopyToAsync(stdout, ct);
            }
            return ExitCodes.Ok;
        });
        return new Command("audit", "The audit log (admins)") { query, verify, export };
    }
}
