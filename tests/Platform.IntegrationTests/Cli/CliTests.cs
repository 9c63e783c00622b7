using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.IntegrationTests.Auth;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Cli;

/// <summary>The real `platform` binary against a platform with authentication on: exit codes and --output json.</summary>
[Collection(AuthCollection.Name)]
public sealed class CliTests(AuthFixture fixture) : IDisposable
{
    private readonly CliRunner _cli = new();
    private string Server => fixture.GatewayUrl.GetLeftPart(UriPartial.Authority);

    private Task<Tool.Result> LoginAsAdminAsync() =>
        _cli.RunWithInputAsync(AuthFixture.AdminPassword + "\n", "login", Server, "--username", "admin", "--password-stdin", "--output", "json");

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Login_stores_a_token_readable_only_by_its_owner_and_logout_revokes_it()
    {
        var login = await LoginAsAdminAsync();
        Assert.True(login.ExitCode == 0, login.StdErr);
        var answer = JsonDocument.Parse(login.StdOut).RootElement;
        Assert.Equal(Server, answer.GetProperty("server").GetString());
        Assert.Equal("admin", answer.GetProperty("username").GetString());

        var file = Path.Combine(_cli.ConfigDirectory, "config.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_cli.ConfigDirectory));
        var config = File.ReadAllText(file);
        Assert.DoesNotContain(AuthFixture.AdminPassword, config);
        var token = JsonDocument.Parse(config).RootElement.GetProperty("auths").GetProperty(Server).GetProperty("token").GetString()!;
        Assert.StartsWith("pat_", token);

        // The stored token works: the audit log is for admins.
        var verify = await _cli.JsonAsync("audit", "verify");
        Assert.True(verify.GetProperty("valid").GetBoolean());

        var saved = File.ReadAllText(file);
        var logout = await _cli.JsonAsync("logout");
        Assert.True(logout.GetProperty("revoked").GetBoolean());
        Assert.DoesNotContain(token, File.ReadAllText(file));
        // Revoked on the platform, not only forgotten here: the old config no longer gets in.
        File.WriteAllText(file, saved);
        var refused = await _cli.RunAsync("audit", "verify", "--output", "json");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("\"exitCode\":3", refused.StdErr);
    }

    [Fact]
    public async Task Exit_codes_say_what_went_wrong()
    {
        var wrong = await _cli.RunWithInputAsync("not-the-password\n", "login", Server, "-u", "admin", "--password-stdin");
        Assert.Equal(3, wrong.ExitCode);
        Assert.False(File.Exists(Path.Combine(_cli.ConfigDirectory, "config.json")));

        Assert.Equal(2, (await _cli.RunAsync("repo", "frobnicate")).ExitCode);
        Assert.Equal(2, (await _cli.RunAsync("repo", "ls")).ExitCode); // no server: not logged in, no --server
        Assert.Equal(2, (await _cli.RunAsync("canister", "push", "x.wasm")).ExitCode); // --name is required
        Assert.Equal(6, (await _cli.RunAsync("repo", "ls", "--server", $"http://127.0.0.1:{ThrowawayPostgres.FreePort()}")).ExitCode);
        Assert.Equal(3, (await _cli.RunAsync("audit", "verify", "--server", Server)).ExitCode); // anonymous

        Assert.Equal(0, (await LoginAsAdminAsync()).ExitCode);
        var missing = await _cli.RunAsync("repo", "show", "nobody/nothing", "--output", "json");
        Assert.Equal(4, missing.ExitCode);
        Assert.Equal(4, JsonDocument.Parse(missing.StdErr).RootElement.GetProperty("exitCode").GetInt32());
        Assert.Equal(5, (await _cli.RunAsync("repo", "show", "Not..Valid")).ExitCode);
        Assert.Equal(4, (await _cli.RunAsync("canister", "versions", "nobody/nothing")).ExitCode);
        Assert.Equal(4, (await _cli.RunAsync("tag", "history", "nobody/nothing:v1")).ExitCode);
        Assert.Equal(2, (await _cli.RunAsync("tag", "history", "no-tag-here")).ExitCode);
        var help = await _cli.RunAsync("canister", "push", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--branch", help.StdOut);
    }

    [Fact]
    public async Task A_canister_push_is_an_oci_artifact_with_the_metadata_and_the_registry_commands_see_it()
    {
        Assert.Equal(0, (await LoginAsAdminAsync()).ExitCode);
        var name = $"cli{Guid.NewGuid():N}"[..16] + "/ledger";
        var module = WasmModules.WithCustomSection(200_000, seed: 5);
        var file = Path.Combine(_cli.WorkingDirectory, "ledger.wasm");
        File.WriteAllBytes(file, module);
        var commit = new string('a', 40);

        var pushed = await _cli.JsonAsync("canister", "push", file, "--name", name, "--branch", "main", "--tag", "v1.2.0", "--commit", commit, "--gzip");
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(module)), pushed.GetProperty("moduleHash").GetString());
        Assert.Equal(["main-latest", "v1.2.0", "sha-" + commit], pushed.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        // What a plain OCI client pulls by any of the tags: the artifact of the format, config and layer included.
        using var admin = fixture.Admin();
        var token = (await fixture.RequestTokenAsync("admin", AuthFixture.AdminPassword, $"repository:{name}:pull")).Body.GetProperty("token").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Server}/v2/{name}/manifests/sha-{commit}");
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var manifest = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(pushed.GetProperty("digest").GetString(), response.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal("application/vnd.platform.canister.v1", manifest.GetProperty("artifactType").GetString());
        Assert.Equal("application/wasm+gzip", manifest.GetProperty("layers")[0].GetProperty("mediaType").GetString());
        Assert.Equal(commit, manifest.GetProperty("annotations").GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal("main", manifest.GetProperty("annotations").GetProperty("dev.platform.canister.branch").GetString());

        var repos = await _cli.JsonAsync("repo", "ls");
        Assert.Contains(repos.GetProperty("repositories").EnumerateArray(), r => r.GetProperty("name").GetString() == name);
        var shown = await _cli.JsonAsync("repo", "show", name);
        Assert.Equal(3, shown.GetProperty("tags").GetArrayLength());
        var table = await _cli.RunAsync("repo", "show", name);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("main-latest", table.StdOut);

        // Pushing again succeeds (the module's blob is there already: it is not sent twice).
        var again = await _cli.JsonAsync("canister", "push", file, "--name", name, "--branch", "main", "--tag", "v1.2.0", "--commit", commit, "--gzip");
        Assert.Equal(pushed.GetProperty("moduleHash").GetString(), again.GetProperty("moduleHash").GetString());

        // Not WebAssembly: refused before anything is sent.
        File.WriteAllText(Path.Combine(_cli.WorkingDirectory, "bad.wasm"), "not a module");
        Assert.Equal(2, (await _cli.RunAsync("canister", "push", Path.Combine(_cli.WorkingDirectory, "bad.wasm"), "--name", name, "--branch", "main")).ExitCode);
    }

    [Fact]
    public async Task Branch_tag_and_commit_default_to_the_git_checkout_of_the_current_directory()
    {
        Assert.Equal(0, (await LoginAsAdminAsync()).ExitCode);
        var head = await CliRunner.GitAsync(_cli.WorkingDirectory, "init -q -b feature/x", "commit -q --allow-empty -m one", "tag v2.0.0");
        File.WriteAllBytes(Path.Combine(_cli.WorkingDirectory, "m.wasm"), WasmModules.WithCustomSection(100, seed: 6));

        var pushed = await _cli.JsonAsync("canister", "push", "m.wasm", "--name", $"cli{Guid.NewGuid():N}"[..16] + "/m");
        Assert.Equal("feature/x", pushed.GetProperty("branch").GetString());
        Assert.Equal("v2.0.0", pushed.GetProperty("tag").GetString());
        Assert.Equal(head, pushed.GetProperty("commit").GetString());
        Assert.Contains("feature-x-latest", pushed.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Audit_query_export_and_gc_answer_as_json()
    {
        Assert.Equal(0, (await LoginAsAdminAsync()).ExitCode);
        var events = await _cli.JsonAsync("audit", "query", "--limit", "5");
        Assert.True(events.GetProperty("events").GetArrayLength() <= 5);
        Assert.Equal(2, (await _cli.RunAsync("audit", "query", "--limit", "0")).ExitCode);
        Assert.Equal(2, (await _cli.RunAsync("audit", "query", "--since", "yesterday")).ExitCode);

        var target = Path.Combine(_cli.WorkingDirectory, "audit.jsonl");
        var export = await _cli.RunAsync("audit", "export", "--file", target);
        Assert.Equal(0, export.ExitCode);
        Assert.All(File.ReadAllLines(target).Where(l => l.Length > 0), l => JsonDocument.Parse(l));

        var gc = await _cli.JsonAsync("gc", "--dry-run");
        Assert.True(gc.TryGetProperty("bytesReclaimed", out _), gc.ToString());
    }

    [Fact]
    public async Task Completion_scripts_and_completions_come_from_the_commands()
    {
        var bash = await _cli.RunAsync("completion", "bash");
        Assert.Equal(0, bash.ExitCode);
        Assert.Contains("complete -o default -F _platform_complete platform", bash.StdOut);
        var words = (await _cli.RunAsync("__complete", "canister", "")).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("push", words);
        Assert.Contains("versions", words);
        var partial = (await _cli.RunAsync("__complete", "au")).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["audit"], partial);
    }

    public void Dispose() => _cli.Dispose();
}
