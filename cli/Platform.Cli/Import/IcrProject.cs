using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Cli.Hosting;

namespace Platform.Cli.Import;

/// <summary>One canister of an imported project: the service it becomes, its prebuilt module, interface and init argument.</summary>
internal sealed record ImportedCanister(string Service, string DfxName, string App, string Wasm, string? Candid, string? Init);

/// <summary>
/// An ICR-style project read for `platform env import` (the README's "env import" lists exactly what is taken):
/// <list type="bullet">
/// <item>core.json and/or apps.json: <c>{"namespace"?, "environment"?, "apps": [{"name", "path"?, "canisters"?}]}</c>,
/// each app a directory with a dfx.json (<c>path</c>, default the app's name), and the canisters of it to take
/// (default all);</item>
/// <item>or, without them, the dfx.json in the directory itself (one app, named after the directory).</item>
/// </list>
/// From a dfx.json's canisters: <c>wasm</c> (a prebuilt local module; else what <c>dfx build</c> left in
/// .dfx/local/canisters), <c>candid</c> (a local .did), <c>init_arg</c> or <c>init_args</c> (Candid text) or
/// <c>init_arg_file</c>, with <c>{{canisterId:NAME}}</c> placeholders naming other canisters of the project. Anything
/// it cannot carry over (a remote module, a canister with no module, names that collide) is refused with the file
/// and the canister named.
/// </summary>
internal static partial class IcrProject
{
    public sealed record Project(string? Namespace, string? Environment, IReadOnlyList<ImportedCanister> Canisters, IReadOnlyList<string> Sources);

    private static readonly string[] ManifestKeys = ["namespace", "environment", "apps"];
    private static readonly string[] AppKeys = ["name", "path", "canisters"];

    [GeneratedRegex(@"\{\{\s*canisterId\s*:\s*([^}\s]*)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex ServiceName();

    private static CliException Invalid(string message) => new(ExitCodes.Rejected, message);

    public static Project Read(DirectoryInfo dir)
    {
        if (!dir.Exists)
            throw new CliException(ExitCodes.Usage, $"{dir.FullName} does not exist");
        var manifests = new[] { "core.json", "apps.json" }.Select(f => Path.Combine(dir.FullName, f)).Where(File.Exists).ToList();
        var apps = new List<(string App, string DfxPath, string[]? Only)>();
        string? ns = null, environment = null;
        foreach (var manifest in manifests)
        {
            var root = Json(manifest);
            var file = Path.GetFileName(manifest);
            if (root.ValueKind != JsonValueKind.Object)
                throw Invalid($"{file}: must be an object {{\"namespace\", \"environment\", \"apps\": [...]}}");
            foreach (var p in root.EnumerateObject().Where(p => !ManifestKeys.Contains(p.Name)))
                throw Invalid($"{file}: \"{p.Name}\" is not understood (known: {string.Join(", ", ManifestKeys)})");
            ns = Text(root, "namespace", file) ?? ns;
            environment = Text(root, "environment", file) ?? environment;
            if (!root.TryGetProperty("apps", out var list) || list.ValueKind != JsonValueKind.Array)
                throw Invalid($"{file}: \"apps\" must be a list of {{\"name\", \"path\", \"canisters\"}}");
            foreach (var app in list.EnumerateArray())
            {
                if (app.ValueKind != JsonValueKind.Object)
                    throw Invalid($"{file}: every app is an object {{\"name\", \"path\", \"canisters\"}}");
                foreach (var p in app.EnumerateObject().Where(p => !AppKeys.Contains(p.Name)))
                    throw Invalid($"{file}: app \"{p.Name}\" is not understood (known: {string.Join(", ", AppKeys)})");
                var name = Text(app, "name", file) ?? throw Invalid($"{file}: an app has no \"name\"");
                var path = Path.GetFullPath(Path.Combine(dir.FullName, Text(app, "path", file) ?? name));
                var dfx = Directory.Exists(path) ? Path.Combine(path, "dfx.json") : path;
                if (!File.Exists(dfx))
                    throw Invalid($"{file}: app {name}: {dfx} does not exist");
                string[]? only = null;
                if (app.TryGetProperty("canisters", out var c))
                    only = c.ValueKind == JsonValueKind.Array && c.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)
                        ? [.. c.EnumerateArray().Select(x => x.GetString()!)]
                        : throw Invalid($"{file}: app {name}: \"canisters\" must be a list of canister names");
                apps.Add((name, dfx, only));
            }
        }
        if (manifests.Count == 0)
        {
            var dfx = Path.Combine(dir.FullName, "dfx.json");
            if (!File.Exists(dfx))
                throw Invalid($"{dir.FullName} has no core.json, apps.json or dfx.json: nothing to import");
            apps.Add((dir.Name, dfx, null));
        }

        var canisters = new List<(ImportedCanister Canister, string DfxFile)>();
        foreach (var (app, dfxPath, only) in apps)
            canisters.AddRange(Canisters(app, dfxPath, only).Select(c => (c, dfxPath)));
        foreach (var clash in canisters.GroupBy(c => c.Canister.Service).Where(g => g.Count() > 1))
            throw Invalid($"the canisters {string.Join(" and ", clash.Select(c => $"{c.Canister.DfxName} ({c.DfxFile})"))} would both be service {clash.Key}: rename one");

        // Placeholders name dfx canisters; in the environment file they name services.
        var byDfxName = canisters.GroupBy(c => c.Canister.DfxName).ToDictionary(g => g.Key, g => g.First().Canister.Service);
        var result = canisters.Select(c => c.Canister.Init is not { } init ? c.Canister : c.Canister with
        {
            Init = Placeholder().Replace(init, m => byDfxName.TryGetValue(m.Groups[1].Value, out var service)
                ? $"{{{{canisterId:{service}}}}}"
                : throw Invalid($"{c.DfxFile}: canister {c.Canister.DfxName}: the placeholder {m.Value} names no canister of the project (canisters: {string.Join(", ", byDfxName.Keys.Order())})")),
        }).ToList();
        if (result.Count == 0)
            throw Invalid("the project has no canisters to import");
        return new Project(ns, environment, result, [.. manifests, .. apps.Select(a => a.DfxPath).Distinct()]);
    }

    private static IEnumerable<ImportedCanister> Canisters(string app, string dfxPath, string[]? only)
    {
        var file = dfxPath;
        var root = Json(dfxPath);
        var baseDir = Path.GetDirectoryName(dfxPath)!;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("canisters", out var canisters) || canisters.ValueKind != JsonValueKind.Object)
            throw Invalid($"{file}: has no \"canisters\" object");
        var names = canisters.EnumerateObject().Select(p => p.Name).ToList();
        foreach (var missing in (only ?? []).Except(names))
            throw Invalid($"{file}: app {app} lists canister {missing}, which the dfx.json does not have (it has: {string.Join(", ", names)})");
        foreach (var entry in canisters.EnumerateObject().Where(p => only is null || only.Contains(p.Name)))
        {
            var name = entry.Name;
            var c = entry.Value;
            var where = $"{file}: canister {name}";
            if (c.ValueKind != JsonValueKind.Object)
                throw Invalid($"{where}: must be an object");
            var service = name.ToLowerInvariant().Replace('_', '-');
            if (!ServiceName().IsMatch(service))
                throw Invalid($"{where}: the name cannot be a service name ({service}: lower-case letters, digits and '-', at most 63)");

            var wasm = Text(c, "wasm", where);
            string module;
            if (wasm is not null)
            {
                if (IsUrl(wasm))
                    throw Invalid($"{where}: \"wasm\" is a URL ({wasm}): download the module and point \"wasm\" at the file");
                module = Path.GetFullPath(Path.Combine(baseDir, wasm));
                if (!File.Exists(module))
                    throw Invalid($"{where}: the module {module} does not exist (build it first)");
            }
            else
            {
                // What `dfx build` leaves for the local network, for canisters that name their sources instead.
                var built = new[] { ".wasm", ".wasm.gz" }.Select(ext => Path.Combine(baseDir, ".dfx", "local", "canisters", name, name + ext)).FirstOrDefault(File.Exists);
                module = built ?? throw Invalid($"{where}: no prebuilt module (type {Text(c, "type", where) ?? "motoko"}): run `dfx build`, or give \"wasm\"");
            }

            string? candid = null;
            if (Text(c, "candid", where) is { } did)
            {
                if (IsUrl(did))
                    throw Invalid($"{where}: \"candid\" is a URL ({did}): download it and point \"candid\" at the file");
                var path = Path.GetFullPath(Path.Combine(baseDir, did));
                candid = File.Exists(path) ? path : throw Invalid($"{where}: the Candid file {path} does not exist");
            }

            var inits = new[] { "init_arg", "init_args", "init_arg_file" }.Where(k => c.TryGetProperty(k, out _)).ToList();
            if (inits.Count > 1)
                throw Invalid($"{where}: give one of {string.Join(", ", inits)}, not several");
            string? init = inits switch
            {
                ["init_arg_file"] => Text(c, "init_arg_file", where) is { } f && Path.GetFullPath(Path.Combine(baseDir, f)) is var initFile && File.Exists(initFile)
                    ? File.ReadAllText(initFile).Trim()
                    : throw Invalid($"{where}: the init_arg_file does not exist"),
                [var key] => Text(c, key, where),
                _ => null,
            };
            yield return new ImportedCanister(service, name, app, module, candid, init);
        }
    }

    private static bool IsUrl(string text) => text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static string? Text(JsonElement e, string property, string where) =>
        !e.TryGetProperty(property, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : throw Invalid($"{where}: \"{property}\" must be a string");

    private static JsonElement Json(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw Invalid($"{path}:{e.LineNumber + 1}: not valid JSON: {e.Message}");
        }
    }
}
