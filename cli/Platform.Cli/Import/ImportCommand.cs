using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Cli.Canisters;
using Platform.Cli.Hosting;
using Spectre.Console;

namespace Platform.Cli.Import;

/// <summary>
/// `platform env import DIR`: an ICR-style project (<see cref="IcrProject"/>) becomes an environment file, and its
/// modules are pushed as canister artifacts (as `canister push` pushes them, metadata from git in DIR). The file
/// pins each service to the manifest digest just pushed, so applying it installs exactly what was imported.
/// </summary>
internal static partial class ImportCommand
{
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex EnvironmentName();

    // JSON strings are YAML double-quoted scalars: every value is written that way, so no quoting rule is missed.
    private static readonly JsonSerializerOptions Scalar = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "The project: core.json and apps.json with their dfx.json files, or one dfx.json" };
        var ns = new Option<string?>("--namespace", "-n") { Description = "The namespace of the environment and its modules (default: core.json's \"namespace\")" };
        var name = new Option<string?>("--name") { Description = "The environment's name (default: core.json's \"environment\", else the directory's name)" };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Write the environment file here (default: stdout)" };
        var branch = new Option<string?>("--branch") { Description = "The modules' branch (default: git's branch in DIR)" };
        var tag = new Option<string?>("--tag") { Description = "Their tag (default: the git tag on HEAD, if any)" };
        var commit = new Option<string?>("--commit") { Description = "Their commit (default: git's HEAD in DIR)" };
        var import = new Command("import", """
            Turn an ICR-style project (core.json, apps.json, dfx.json with init_arg and {{canisterId:...}}) into an
            environment file, and push its modules as canister artifacts <namespace>/<canister>.
            """) { dir, ns, name, file, branch, tag, commit };
        import.Run(async (parse, api, output, ct) =>
        {
            var directory = parse.GetValue(dir)!;
            var project = IcrProject.Read(directory);
            var namespaceName = parse.GetValue(ns) ?? project.Namespace
                ?? throw new CliException(ExitCodes.Usage, "no --namespace, and the project's core.json names none");
            var environment = parse.GetValue(name) ?? project.Environment ?? directory.Name.ToLowerInvariant().Replace('_', '-');
            if (!EnvironmentName().IsMatch(environment))
                throw new CliException(ExitCodes.Usage, $"'{environment}' cannot name an environment (lower-case letters, digits and '-'): pass --name");
            var git = GitInfo.Of(directory.FullName);
            var moduleBranch = parse.GetValue(branch) ?? git.Branch
                ?? throw new CliException(ExitCodes.Usage, "no --branch, and the project is not on a git branch");

            var services = new List<(ImportedCanister Canister, CanisterCommands.Pushed Pushed)>();
            foreach (var canister in project.Canisters)
            {
                var artifact = new CanisterArtifact
                {
                    Name = $"{namespaceName}/{canister.Service}",
                    Branch = moduleBranch,
                    Tag = parse.GetValue(tag) ?? git.Tag,
                    Commit = parse.GetValue(commit) ?? git.Commit,
                    Source = git.Source,
                    Candid = canister.Candid is { } did ? await File.ReadAllTextAsync(did, ct) : null,
                    Module = await CanisterCommands.ReadModuleAsync(new FileInfo(canister.Wasm), ct),
                };
                var pushed = await CanisterCommands.PushAsync(api, output, artifact, Path.GetFileName(canister.Wasm), ct);
                if (!output.Json)
                    output.Errors.WriteLine($"pushed {pushed.Name}@{pushed.Digest} ({canister.DfxName} of {canister.App})");
                services.Add((canister, pushed));
            }

            var yaml = Yaml(directory, project, namespaceName, environment, services);
            if (parse.GetValue(file) is { } target)
            {
                await File.WriteAllTextAsync(target.FullName, yaml, ct);
                if (!output.Json)
                    output.Errors.WriteLine($"wrote {target.FullName}: check it, then `platform env apply -f {target.Name}`");
            }
            else if (!output.Json)
                Console.Out.Write(yaml);
            if (output.Json)
                output.WriteJson(new
                {
                    environment,
                    @namespace = namespaceName,
                    file = parse.GetValue(file)?.FullName,
                    yaml,
                    services = services.Select(s => new { name = s.Canister.Service, canister = s.Canister.DfxName, app = s.Canister.App, module = s.Pushed.Name, digest = s.Pushed.Digest, moduleHash = s.Pushed.ModuleHash, init = s.Canister.Init }),
                });
            return ExitCodes.Ok;
        });
        return import;
    }

    private static string Q(string text) => JsonSerializer.Serialize(text, Scalar);

    private static string Yaml(DirectoryInfo dir, IcrProject.Project project, string ns, string env, List<(ImportedCanister Canister, CanisterCommands.Pushed Pushed)> services)
    {
        var yaml = new StringBuilder();
        yaml.Append("# Imported by `platform env import` from ").AppendLine(string.Join(", ", project.Sources.Select(s => Path.GetRelativePath(dir.FullName, s))));
        yaml.AppendLine("apiVersion: platform/v1");
        yaml.AppendLine("kind: Environment");
        yaml.AppendLine("metadata:");
        yaml.Append("  name: ").AppendLine(Q(env));
        yaml.Append("  namespace: ").AppendLine(Q(ns));
        yaml.AppendLine("spec:");
        yaml.AppendLine("  services:");
        foreach (var (canister, pushed) in services.OrderBy(s => s.Canister.Service, StringComparer.Ordinal))
        {
            yaml.Append("    ").Append(canister.Service).AppendLine(":");
            yaml.Append("      # ").Append(canister.DfxName).Append(" of ").Append(canister.App).Append(", branch ").Append(pushed.Branch)
                .AppendLine(pushed.Commit is { } c ? $", commit {c}" : "");
            yaml.Append("      module: ").AppendLine(Q($"{pushed.Name}@{pushed.Digest}"));
            if (canister.Init is { } init)
                yaml.Append("      init: ").AppendLine(Q(init));
        }
        return yaml.ToString();
    }
}
