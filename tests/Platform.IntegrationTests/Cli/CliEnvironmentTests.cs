using System.Security.Cryptography;
using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Cli;

/// <summary>
/// The real `platform` binary driving environments on the whole platform and the real engine: apply (plan table,
/// diff, the release followed, --output json), status, diff, ls, discover, release ls/show, upgrade, a reinstall
/// that must be confirmed, delete, an approval flow with approve and reject, the Scaler's view, and the bad inputs.
/// </summary>
[Collection(CliPlatformCollection.Name)]
public sealed class CliEnvironmentTests(CliPlatformFixture fixture)
{
    private const string Ns = CliPlatformFixture.Namespace;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private static string Service(string name, string module, string? init = null) =>
        $"    {name}:\n      module: {module}\n      upgrade: {{ persistence: keep }}\n" + (init is null ? "" : $"      init: '{init}'\n");

    private static string ModuleHash(string fixture) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "dev", "canisters", "out", fixture + ".wasm"))));

    private static void Exits(int expected, Tool.Result result, string what) =>
        Assert.True(result.ExitCode == expected, $"{what}: exit {result.ExitCode}, expected {expected}\n{result.StdErr}\n{result.StdOut}");

    /// <summary>Polls `release show` until the release ends; its JSON.</summary>
    private static async Task<JsonElement> EndedAsync(CliRunner cli, string env, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var release = await cli.JsonAsync("release", "show", env, id);
            if (release.GetProperty("status").GetString() is "succeeded" or "failed" or "rolled-back" or "cancelled")
                return release;
            Assert.True(DateTime.UtcNow < deadline, $"release {id} is still {release.GetProperty("status")}");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Env_apply_shows_the_plan_and_follows_the_release_and_status_diff_ls_discover_and_releases_see_it()
    {
        using var cli = await fixture.LoginAsync();
        var module = $"{Ns}/{Unique("ledger")}";
        await CliPlatformFixture.PushAsync(cli, module, "counter", "v1", 'a');
        await CliPlatformFixture.PushAsync(cli, module, "counter_v2", "v2", 'b');
        var env = Unique("life");
        var v1 = CliPlatformFixture.WriteFile(cli, env, Service("ledger", $"{module}@v1", "(41)"));
        var v2 = CliPlatformFixture.WriteFile(cli, env, Service("ledger", $"{module}@v2", "(41)"));

        // The dry run: a table and a diff, nothing recorded.
        var diff = await cli.RunAsync("env", "diff", "-f", v1);
        Exits(0, diff, "env diff");
        Assert.Contains("create+install", diff.StdOut);
        Assert.Contains($"+   module: {module}@v1", diff.StdOut);
        var plan = await cli.JsonAsync("env", "diff", "-f", v1);
        Assert.Equal("create+install", Named(plan.GetProperty("services"), "ledger").GetProperty("action").GetString());
        Exits(4, await cli.RunAsync("env", "status", env), "status before any apply");

        // Apply: the plan, then the release followed to its end (no terminal: a line per change, then the table).
        var applied = await cli.RunAsync("env", "apply", "-f", v1);
        Exits(0, applied, "env apply");
        Assert.Contains("create+install", applied.StdOut);
        Assert.Contains("succeeded", applied.StdOut);
        Assert.Contains("ledger: done", applied.StdErr);

        var status = await cli.JsonAsync("env", "status", env);
        var ledger = Named(status.GetProperty("services"), "ledger");
        Assert.Equal(ModuleHash("counter"), ledger.GetProperty("actual").GetProperty("moduleHash").GetString());
        var canister = ledger.GetProperty("actual").GetProperty("canisterIds")[0].GetString()!;
        var statusTable = await cli.RunAsync("env", "status", env);
        Exits(0, statusTable, "env status");
        Assert.Contains(canister, statusTable.StdOut);
        Assert.Contains("running", statusTable.StdOut);

        var found = await cli.JsonAsync("discover", env, "ledger");
        Assert.Equal(canister, found.GetProperty("canisterIds")[0].GetString());
        Assert.Contains(canister, (await cli.RunAsync("discover", env, "ledger")).StdOut);
        var listed = await cli.JsonAsync("env", "ls");
        var entry = listed.GetProperty("environments").EnumerateArray().Single(e => e.GetProperty("name").GetString() == env);
        Assert.Equal("succeeded", entry.GetProperty("latestRelease").GetProperty("status").GetString());
        Assert.Contains(env, (await cli.RunAsync("env", "ls", "--namespace", Ns)).StdOut);

        // An upgrade, as JSON: the release as the platform answers it.
        var upgrade = await cli.JsonAsync("env", "apply", "-f", v2);
        Assert.Equal("succeeded", upgrade.GetProperty("status").GetString());
        Assert.Equal("upgrade", Named(upgrade.GetProperty("services"), "ledger").GetProperty("action").GetString());
        Assert.Equal(ModuleHash("counter_v2"), (await cli.JsonAsync("discover", env, "ledger")).GetProperty("moduleHash").GetString());

        // A reinstall wipes state: without a terminal to ask on, only --yes goes ahead; nothing is recorded before.
        var unasked = await cli.RunAsync("env", "apply", "-f", v2, "--reinstall", "ledger");
        Exits(2, unasked, "a reinstall without --yes");
        Assert.Contains("--yes", unasked.StdErr);
        Assert.Equal(2, (await cli.JsonAsync("release", "ls", env)).GetProperty("releases").GetArrayLength());
        var reinstalled = await cli.JsonAsync("env", "apply", "-f", v2, "--reinstall", "ledger", "--yes");
        Assert.Equal("reinstall", Named(reinstalled.GetProperty("services"), "ledger").GetProperty("action").GetString());
        Assert.Equal("succeeded", reinstalled.GetProperty("status").GetString());

        var releases = await cli.JsonAsync("release", "ls", env);
        Assert.Equal(["reinstall", "upgrade", "create+install"], releases.GetProperty("releases").EnumerateArray()
            .Select(r => Named(r.GetProperty("services"), "ledger").GetProperty("action").GetString()));
        var first = releases.GetProperty("releases")[2].GetProperty("id").GetString()!;
        var shown = await cli.RunAsync("release", "show", env, first[..8]);
        Exits(0, shown, "release show by a prefix");
        Assert.Contains("planned", shown.StdOut);
        Assert.Contains("running", shown.StdOut);
        Assert.Contains("succeeded", shown.StdOut);
        Assert.Contains("create+install", (await cli.RunAsync("release", "ls", env)).StdOut);

        // The Scaler hears of the release (Deploy's EnvironmentDeployedV1) and shows the service's instance.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement state;
        do
        {
            state = await cli.JsonAsync("scaler", "state", "--env", env);
            if (state.GetProperty("environments").GetArrayLength() > 0) break;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
        var instances = Named(state.GetProperty("environments")[0].GetProperty("services"), "ledger").GetProperty("instances");
        Assert.Equal(canister, instances[0].GetProperty("canisterId").GetString());
        Assert.Contains(canister, (await cli.RunAsync("scaler", "state", "--env", env)).StdOut);
        var decisions = await cli.JsonAsync("scaler", "decisions", "--env", env, "--limit", "10");
        Assert.Equal(JsonValueKind.Array, decisions.GetProperty("decisions").ValueKind);
        Exits(0, await cli.RunAsync("scaler", "decisions", "--env", env), "scaler decisions");

        // Delete: asked for too; then the environment is gone.
        Exits(2, await cli.RunAsync("env", "delete", env), "delete without --yes");
        var deleted = await cli.JsonAsync("env", "delete", env, "--yes");
        Assert.Equal("succeeded", deleted.GetProperty("status").GetString());
        Assert.True(deleted.GetProperty("deletesEnvironment").GetBoolean());
        Exits(4, await cli.RunAsync("env", "status", env), "status after delete");
    }

    [Fact]
    public async Task A_protected_environment_waits_for_approvals_that_the_approvers_give_or_refuse_with_the_cli()
    {
        using var admin = await fixture.LoginAsync();
        using var alice = await fixture.LoginAsync(CliPlatformFixture.Alice);
        using var bob = await fixture.LoginAsync(CliPlatformFixture.Bob);
        var module = $"{Ns}/{Unique("vault")}";
        await CliPlatformFixture.PushAsync(admin, module, "counter", "v1", 'c');
        await CliPlatformFixture.PushAsync(admin, module, "counter_v2", "v2", 'd');
        var env = Unique("prot");
        const string approvals = "  protected: true\n  approvals: { required: 2, approvers: [alice, bob], expiresAfter: 1h }\n";
        var v1 = CliPlatformFixture.WriteFile(admin, env, Service("vault", $"{module}@v1", "(1)"), approvals);
        var v2 = CliPlatformFixture.WriteFile(admin, env, Service("vault", $"{module}@v2", "(1)"), approvals);

        var waiting = await admin.RunAsync("env", "apply", "-f", v1, "--output", "json");
        Exits(9, waiting, "a protected apply");
        var release = JsonDocument.Parse(waiting.StdOut).RootElement;
        Assert.Equal("awaiting-approval", release.GetProperty("status").GetString());
        var id = release.GetProperty("id").GetString()!;
        var table = await admin.RunAsync("env", "apply", "-f", v1);
        Exits(5, table, "a second apply while one awaits approval"); // 409: a release is not finished

        Exits(3, await admin.RunAsync("release", "approve", env, id), "the admin is no approver");
        // alice reads the namespace, so she may name the release by a prefix.
        var first = await alice.JsonAsync("release", "approve", env, id[..8], "--comment", "looks good");
        Assert.Equal("awaiting-approval", first.GetProperty("status").GetString());
        Assert.Equal("looks good", first.GetProperty("approvals").GetProperty("votes")[0].GetProperty("comment").GetString());
        Exits(5, await alice.RunAsync("release", "approve", env, id), "a second vote");
        var second = await bob.RunAsync("release", "approve", env, id);
        Exits(0, second, "bob approves");
        Assert.Contains("approved", second.StdOut);
        var ended = await EndedAsync(admin, env, id);
        Assert.Equal("succeeded", ended.GetProperty("status").GetString());

        var next = await admin.RunAsync("env", "apply", "-f", v2);
        Exits(9, next, "the upgrade awaits approval");
        Assert.Contains("release approve", next.StdOut);
        var pending = (await admin.JsonAsync("release", "ls", env)).GetProperty("releases")[0];
        Assert.Equal("awaiting-approval", pending.GetProperty("status").GetString());
        var pendingId = pending.GetProperty("id").GetString()!;
        var rejected = await bob.JsonAsync("release", "reject", env, pendingId, "-m", "not today");
        Assert.Equal("cancelled", rejected.GetProperty("status").GetString());
        var shown = await admin.RunAsync("release", "show", env, pendingId);
        Assert.Contains("not today", shown.StdOut);
        Assert.Contains("cancelled", shown.StdOut);
        Exits(5, await alice.RunAsync("release", "approve", env, pendingId), "a vote on a cancelled release");
        Assert.Equal(ModuleHash("counter"), (await admin.JsonAsync("discover", env, "vault")).GetProperty("moduleHash").GetString());
    }

    [Fact]
    public async Task Bad_input_gets_an_exit_code_and_one_message_never_a_stack_trace()
    {
        using var cli = await fixture.LoginAsync();
        var env = Unique("bad");
        static void Clean(Tool.Result r) => Assert.DoesNotContain("   at ", r.StdErr);

        var missing = await cli.RunAsync("env", "apply", "-f", Path.Combine(cli.WorkingDirectory, "nope.yaml"));
        Exits(2, missing, "a missing file");
        Assert.Contains("does not exist", missing.StdErr);

        var yaml = Path.Combine(cli.WorkingDirectory, "broken.yaml");
        File.WriteAllText(yaml, "apiVersion: platform/v1\nmetadata: { name: x\n  spec: [\n");
        var broken = await cli.RunAsync("env", "apply", "-f", yaml);
        Exits(5, broken, "a YAML error");
        Assert.Contains("broken.yaml:3:", broken.StdErr);
        Clean(broken);
        var brokenJson = await cli.RunAsync("env", "diff", "-f", yaml, "--output", "json");
        Exits(5, brokenJson, "a YAML error, JSON");
        Assert.Equal(5, JsonDocument.Parse(brokenJson.StdErr).RootElement.GetProperty("exitCode").GetInt32());

        // Valid YAML the platform refuses: each problem with its field.
        var unknown = CliPlatformFixture.WriteFile(cli, env, Service("ledger", $"{Ns}/nothing-here@v1") + "      cycles: lots\n");
        var refused = await cli.RunAsync("env", "apply", "-f", unknown);
        Exits(5, refused, "an invalid file");
        Assert.Contains("spec.services.ledger", refused.StdErr);
        Clean(refused);
        Exits(4, await cli.RunAsync("env", "status", env), "nothing was recorded");

        Exits(2, await cli.RunAsync("env", "apply"), "no -f");
        Exits(2, await cli.RunAsync("env", "apply", "-f", unknown, "--timeout", "soon"), "a bad --timeout");
        Exits(2, await cli.RunAsync("release", "show", env, "zz"), "not a release id");
        Exits(4, await cli.RunAsync("release", "show", env, Guid.NewGuid().ToString()), "no such environment");
        Exits(4, await cli.RunAsync("discover", env, "ledger"), "no such environment");
        Exits(2, await cli.RunAsync("scaler", "decisions", "--limit", "0"), "a bad --limit");
        Exits(2, await cli.RunAsync("env", "import", Path.Combine(cli.WorkingDirectory, "no-project"), "-n", Ns), "a missing project");
    }

    [Fact]
    public async Task Env_import_turns_a_dfx_project_into_an_environment_file_and_pushes_its_modules()
    {
        using var cli = await fixture.LoginAsync();
        var built = Path.Combine(RepositoryRoot.Path, "dev", "canisters", "out");
        var project = Path.Combine(cli.WorkingDirectory, "wallet");
        Directory.CreateDirectory(Path.Combine(project, "build"));
        File.Copy(Path.Combine(built, "counter.wasm"), Path.Combine(project, "build", "counter.wasm"));
        File.Copy(Path.Combine(built, "counter.did"), Path.Combine(project, "counter.did"));
        File.Copy(Path.Combine(built, "caller.wasm"), Path.Combine(project, "build", "caller.wasm"));
        var prefix = Unique("w");
        File.WriteAllText(Path.Combine(project, "dfx.json"), $$"""
            {
              "version": 1,
              "canisters": {
                "{{prefix}}_ledger": { "type": "custom", "wasm": "build/counter.wasm", "candid": "counter.did", "init_arg": "(7)" },
                "{{prefix}}_caller": { "type": "custom", "wasm": "build/caller.wasm" }
              }
            }
            """);
        var head = await CliRunner.GitAsync(project, "init -q -b main", "add -A", "commit -q -m one");

        var env = Unique("imported");
        var file = Path.Combine(cli.WorkingDirectory, "imported.yaml");
        var imported = await cli.JsonAsync("env", "import", project, "--namespace", Ns, "--name", env, "--file", file);
        var yaml = File.ReadAllText(file);
        Assert.Equal(yaml, imported.GetProperty("yaml").GetString());
        Assert.Contains($"  {prefix}-ledger:", yaml);
        Assert.Contains($"module: \"{Ns}/{prefix}-ledger@sha256:", yaml);
        Assert.Contains("init: \"(7)\"", yaml);
        Assert.Contains($"commit {head}", yaml);
        foreach (var s in imported.GetProperty("services").EnumerateArray())
            await CliPlatformFixture.IndexedAsync(cli, s.GetProperty("module").GetString()!, s.GetProperty("digest").GetString()!);
        var versions = await cli.JsonAsync("canister", "versions", $"{Ns}/{prefix}-ledger");
        Assert.Equal("main", versions.GetProperty("versions")[0].GetProperty("branch").GetString());
        Assert.Equal(head, versions.GetProperty("versions")[0].GetProperty("commit").GetString());

        // The file applies as it is: what was imported is what runs.
        var release = await cli.JsonAsync("env", "apply", "-f", file);
        Assert.Equal("succeeded", release.GetProperty("status").GetString());
        Assert.Equal(ModuleHash("counter"), (await cli.JsonAsync("discover", env, $"{prefix}-ledger")).GetProperty("moduleHash").GetString());
        Assert.Equal(ModuleHash("caller"), (await cli.JsonAsync("discover", env, $"{prefix}-caller")).GetProperty("moduleHash").GetString());

        // core.json and apps.json: canisters per app, the placeholders renamed with the services; to stdout.
        var icr = Path.Combine(cli.WorkingDirectory, "icr");
        Directory.CreateDirectory(Path.Combine(icr, "core"));
        Directory.CreateDirectory(Path.Combine(icr, "shop"));
        File.Copy(Path.Combine(built, "counter.wasm"), Path.Combine(icr, "core", "ledger.wasm"));
        File.Copy(Path.Combine(built, "caller.wasm"), Path.Combine(icr, "shop", "front.wasm"));
        File.WriteAllText(Path.Combine(icr, "core", "dfx.json"), $$"""{ "canisters": { "{{prefix}}_core": { "type": "custom", "wasm": "ledger.wasm" }, "unused": { "type": "motoko", "main": "x.mo" } } }""");
        File.WriteAllText(Path.Combine(icr, "shop", "dfx.json"), $$$"""
            { "canisters": { "{{{prefix}}}_front": { "type": "custom", "wasm": "front.wasm", "init_args": "(principal \"{{canisterId:{{{prefix}}}_core}}\")" } } }
            """);
        File.WriteAllText(Path.Combine(icr, "core.json"), $$"""{ "namespace": "{{Ns}}", "environment": "{{env}}-icr", "apps": [ { "name": "core", "canisters": ["{{prefix}}_core"] } ] }""");
        File.WriteAllText(Path.Combine(icr, "apps.json"), """{ "apps": [ { "name": "shop", "path": "shop" } ] }""");
        var icrImport = await cli.RunAsync("env", "import", icr, "--branch", "main", "--commit", new string('e', 40));
        Exits(0, icrImport, "import of core.json and apps.json");
        Assert.Contains($"name: \"{env}-icr\"", icrImport.StdOut);
        Assert.Contains($"init: \"(principal \\\"{{{{canisterId:{prefix}-core}}}}\\\")\"", icrImport.StdOut);
        Assert.DoesNotContain("unused", icrImport.StdOut);

        // What cannot be carried over is refused, naming the file and the canister.
        File.WriteAllText(Path.Combine(icr, "apps.json"), """{ "apps": [ { "name": "shop", "path": "shop" } ], "networks": {} }""");
        var unknownKey = await cli.RunAsync("env", "import", icr, "--branch", "main");
        Exits(5, unknownKey, "an unknown key");
        Assert.Contains("\"networks\" is not understood", unknownKey.StdErr);
        File.WriteAllText(Path.Combine(icr, "apps.json"), """{ "apps": [ { "name": "shop", "path": "shop" } ] }""");
        File.WriteAllText(Path.Combine(icr, "shop", "dfx.json"), """{ "canisters": { "remote": { "type": "custom", "wasm": "https://example.org/x.wasm" } } }""");
        var remote = await cli.RunAsync("env", "import", icr, "--branch", "main");
        Exits(5, remote, "a remote module");
        Assert.Contains("canister remote", remote.StdErr);
        File.WriteAllText(Path.Combine(icr, "shop", "dfx.json"), """{ "canisters": { "front": { "type": "custom", "wasm": "front.wasm", "init_arg": "(principal \"{{canisterId:nobody}}\")" } } }""");
        var placeholder = await cli.RunAsync("env", "import", icr, "--branch", "main");
        Exits(5, placeholder, "a placeholder naming nothing");
        Assert.Contains("{{canisterId:nobody}}", placeholder.StdErr);
    }

    // Every environment has its registry canister besides the file's services: find a service by its name.
    private static JsonElement Named(JsonElement services, string name) =>
        services.EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
}
