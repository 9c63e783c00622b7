using System.CommandLine;
using System.Text.Json;
using Platform.Cli.Hosting;

namespace Platform.Cli.Registry;

/// <summary>`platform repo ls|show`, `platform tag history`, `platform gc`: the registry through /api/v1.</summary>
internal static class RegistryCommands
{
    public static Command Repo()
    {
        var ls = new Command("ls", "List the repositories you may pull, with their sizes and last push");
        ls.Run(async (parse, api, output, ct) =>
        {
            var repositories = new List<JsonElement>();
            // Every page: `next` is the platform's own link to the one after.
            for (string? next = "/api/v1/repositories?n=1000"; next is not null;)
            {
                var page = await api.GetJsonAsync(next, ct);
                repositories.AddRange(page.GetProperty("repositories").EnumerateArray());
                next = Output.Text(page, "next");
            }
            if (output.Json)
                output.WriteJson(new { repositories });
            else
                output.Table(["NAME", "TAGS", "MANIFESTS", "SIZE", "LAST PUSH"], repositories.Select(r => new[]
                {
                    Output.Text(r, "name"), Output.Text(r, "tagCount"), Output.Text(r, "manifestCount"),
                    Output.Size(r.GetProperty("size").GetInt64()), Output.Text(r, "lastPushAt"),
                }));
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("NAME") { Description = "The repository, e.g. shop/web" };
        var show = new Command("show", "A repository: its tags, manifests and blobs") { name };
        show.Run(async (parse, api, output, ct) =>
        {
            var repo = await api.GetJsonAsync($"/api/v1/repositories/{RepositoryPath(parse.GetValue(name)!)}", ct);
            if (output.Json)
            {
                output.WriteJson(repo);
                return ExitCodes.Ok;
            }
            output.Line($"{Output.Text(repo, "name")}: {Output.Size(repo.GetProperty("size").GetInt64())}, last push {Output.Text(repo, "lastPushAt") ?? "-"}");
            output.Table(["MANIFEST", "TAGS", "MEDIA TYPE", "SIZE", "PUSHED"], repo.GetProperty("manifests").EnumerateArray().Select(m => new[]
            {
                Output.Short(Output.Text(m, "digest")), string.Join(", ", m.GetProperty("tags").EnumerateArray().Select(t => t.GetString())),
                Output.Text(m, "mediaType"), Output.Size(m.GetProperty("size").GetInt64()), Output.Text(m, "pushedAt"),
            }));
            output.Table(["BLOB", "SIZE"], repo.GetProperty("blobs").EnumerateArray().Select(b => new[]
            {
                Output.Text(b, "digest"), Output.Size(b.GetProperty("size").GetInt64()),
            }));
            return ExitCodes.Ok;
        });
        return new Command("repo", "Repositories") { ls, show };
    }

    public static Command Tag()
    {
        var reference = new Argument<string>("NAME:TAG") { Description = "A tag of a repository, e.g. shop/web:v1" };
        var history = new Command("history", "Every manifest a tag has pointed to, when and by whom") { reference };
        history.Run(async (parse, api, output, ct) =>
        {
            var text = parse.GetValue(reference)!;
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || colon == text.Length - 1 || text[colon..].Contains('/'))
                throw new CliException(ExitCodes.Usage, $"'{text}' is not NAME:TAG");
            var answer = await api.GetJsonAsync($"/api/v1/repositories/{RepositoryPath(text[..colon])}/tags/{Uri.EscapeDataString(text[(colon + 1)..])}/history", ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            var entries = answer.ValueKind == JsonValueKind.Array ? answer : answer.TryGetProperty("history", out var h) ? h : default;
            output.Table(["DIGEST", "AT", "BY"], entries.ValueKind == JsonValueKind.Array
                ? entries.EnumerateArray().Select(e => new[] { Output.Text(e, "digest"), Output.Text(e, "at") ?? Output.Text(e, "movedAt"), Output.Text(e, "by") ?? Output.Text(e, "actor") })
                : []);
            return ExitCodes.Ok;
        });
        return new Command("tag", "Tags") { history };
    }

    public static Command Gc()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Only say what would be deleted" };
        var gc = new Command("gc", "Run garbage collection (admins): unreferenced manifests and blobs go") { dryRun };
        gc.Run(async (parse, api, output, ct) =>
        {
            using var request = api.Request(HttpMethod.Post, "/api/v1/admin/gc" + (parse.GetValue(dryRun) ? "?dryRun=true" : ""));
            var run = await api.SendJsonAsync(request, ct);
            if (output.Json)
                output.WriteJson(run);
            else
                output.Line($"{(parse.GetValue(dryRun) ? "would reclaim" : "reclaimed")} {Output.Size(run.TryGetProperty("bytesReclaimed", out var b) ? b.GetInt64() : 0)}");
            return ExitCodes.Ok;
        });
        return gc;
    }

    /// <summary>A repository name in a path: its slashes stay, each component is escaped.</summary>
    public static string RepositoryPath(string name) => string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
}
