using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;
using static Platform.IntegrationTests.Canisters.CanisterArtifacts;

namespace Platform.IntegrationTests.Canisters;

/// <summary>
/// Canister modules compiled by the real Motoko compiler, pushed as artifacts through the gateway with the OCI API
/// (plain and gzip, two branches, tags, commits), then read back with /api/v1/canisters.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class CanisterModuleTests(RegistryFixture registry)
{
    private readonly RegistryClient _client = new(registry.Gateway);
    private HttpClient Http => registry.Gateway;

    private static string UniqueName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20] + "/ledger";

    [Fact]
    public async Task Resolve_answers_every_selector_form_on_two_branches()
    {
        var name = UniqueName("shop");
        var v1 = await PushAsync(_client, name, Module("counter"), gzip: false, "main", "v1.0.0", Commit(name + "1"));
        var v2 = await PushAsync(_client, name, Module("counter_v2"), gzip: true, "main", "v1.1.0", Commit(name + "2"));
        var f1 = await PushAsync(_client, name, Module("counter_classic"), gzip: false, "feature/login", null, Commit(name + "3"));
        var f2 = await PushAsync(_client, name, Module("counter_classic_v2"), gzip: true, "feature/login", "v2.0.0-rc1", Commit(name + "4"));

        Assert.Equal(v2.Digest, await ResolveAsync(name, "main:latest"));
        Assert.Equal(v1.Digest, await ResolveAsync(name, "main:v1.0.0"));
        Assert.Equal(v2.Digest, await ResolveAsync(name, "main:v1.1.0"));
        Assert.Equal(v2.Digest, await ResolveAsync(name, "v1.1.0"));
        Assert.Equal(f2.Digest, await ResolveAsync(name, "feature/login:latest"));
        Assert.Equal(f2.Digest, await ResolveAsync(name, "v2.0.0-rc1"));
        Assert.Equal(f1.Digest, await ResolveAsync(name, f1.Commit[..7]));
        Assert.Equal(v1.Digest, await ResolveAsync(name, v1.Commit));
        Assert.Equal(v1.Digest, await ResolveAsync(name, v1.Digest));

        // The answer carries what a deploy needs.
        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/resolve?selector=main:latest"))
        {
            var body = await RefusalAsync(response, HttpStatusCode.OK);
            Assert.Equal(name, body.GetProperty("name").GetString());
            Assert.Equal("main:latest", body.GetProperty("selector").GetString());
            var version = body.GetProperty("version");
            Assert.Equal(v2.ModuleHash, version.GetProperty("moduleHash").GetString());
            Assert.Equal(v2.Wasm.Length, version.GetProperty("size").GetInt64());
            Assert.Equal("main", version.GetProperty("branch").GetString());
            Assert.Equal("v1.1.0", version.GetProperty("tag").GetString());
            Assert.Equal(v2.Commit, version.GetProperty("commit").GetString());
            Assert.Equal("anonymous", version.GetProperty("pushedBy").GetString());
            Assert.True(version.GetProperty("hasCandid").GetBoolean());
            Assert.False(version.GetProperty("corrupted").GetBoolean());
            Assert.Equal("application/wasm+gzip", version.GetProperty("moduleMediaType").GetString());
        }

        // A selector that matches nothing: 404 with a problem naming it; a branch or tag that does not exist too.
        foreach (var selector in new[] { "v9.9.9", "nobranch:latest", "main:v2.0.0-rc1", "0000000" })
        {
            using var response = await Http.GetAsync($"/api/v1/canisters/{name}/resolve?selector={Uri.EscapeDataString(selector)}");
            var problem = await RefusalAsync(response, HttpStatusCode.NotFound);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(selector, problem.GetProperty("selector").GetString());
            Assert.Contains(selector, problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task An_ambiguous_commit_prefix_is_409_and_a_longer_one_resolves()
    {
        var name = UniqueName("amb");
        var a = await PushAsync(_client, name, Module("counter"), gzip: false, "main", null, "abcdef1" + Commit(name + "a")[7..]);
        var b = await PushAsync(_client, name, Module("counter_v2"), gzip: false, "main", null, "abcdef1" + Commit(name + "b")[7..]);

        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/resolve?selector=abcdef1"))
        {
            var problem = await RefusalAsync(response, HttpStatusCode.Conflict);
            Assert.Equal(new[] { a.Commit, b.Commit }.Order(StringComparer.Ordinal), problem.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()).Order(StringComparer.Ordinal));
        }
        Assert.Equal(a.Digest, await ResolveAsync(name, a.Commit[..12]));
        // Fewer than 7 hex digits is no commit selector.
        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/resolve?selector=abcdef"))
            await RefusalAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task At_returns_the_earlier_version_after_a_newer_push()
    {
        var name = UniqueName("tt");
        var v1 = await PushAsync(_client, name, Module("counter"), gzip: false, "main", "v1", Commit(name + "1"));
        var firstPushedAt = (await VersionsAsync(name, ""))[0].GetProperty("pushedAt").GetDateTimeOffset();
        await Task.Delay(50);
        var v2 = await PushAsync(_client, name, Module("counter_v2"), gzip: true, "main", "v2", Commit(name + "2"));

        Assert.Equal(v2.Digest, await ResolveAsync(name, "main:latest"));
        Assert.Equal(v1.Digest, await ResolveAsync(name, "main:latest", firstPushedAt));
        Assert.Equal(v2.Digest, await ResolveAsync(name, "main:latest", DateTimeOffset.UtcNow.AddMinutes(1)));
        // At that time v2 did not exist yet.
        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/resolve?selector=v2&at={Uri.EscapeDataString(firstPushedAt.ToString("O"))}"))
            await RefusalAsync(response, HttpStatusCode.NotFound);
        // Before the first push there was no such canister.
        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/resolve?selector=main:latest&at={Uri.EscapeDataString(firstPushedAt.AddMinutes(-5).ToString("O"))}"))
            await RefusalAsync(response, HttpStatusCode.NotFound);

        // Deleting v2's manifest makes v1 the head again; the past still knows v2.
        var afterV2 = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        using (var delete = await Http.DeleteAsync($"/v2/{name}/manifests/{v2.Digest}"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        Assert.Equal(v1.Digest, await ResolveAsync(name, "main:latest"));
        Assert.Equal(v2.Digest, await ResolveAsync(name, "main:latest", afterV2));
    }

    [Fact]
    public async Task Versions_are_listed_newest_first_filtered_and_paged_and_OCI_tags_are_generated()
    {
        var name = UniqueName("list");
        var v1 = await PushAsync(_client, name, Module("counter"), gzip: false, "main", "v1.0.0", Commit(name + "1"));
        var v2 = await PushAsync(_client, name, Module("counter_v2"), gzip: false, "main", "v1.1.0", Commit(name + "2"));
        var f1 = await PushAsync(_client, name, Module("counter_classic"), gzip: true, "feature/login", null, Commit(name + "3"));

        Assert.Equal([f1.Digest, v2.Digest, v1.Digest], (await VersionsAsync(name, "")).Select(v => v.GetProperty("digest").GetString()));
        Assert.Equal([v2.Digest, v1.Digest], (await VersionsAsync(name, "branch=main")).Select(v => v.GetProperty("digest").GetString()));
        Assert.Equal([v1.Digest], (await VersionsAsync(name, "tag=v1.0.0")).Select(v => v.GetProperty("digest").GetString()));
        Assert.Equal([f1.Digest], (await VersionsAsync(name, $"commit={f1.Commit[..10]}")).Select(v => v.GetProperty("digest").GetString()));

        using (var first = await Http.GetAsync($"/api/v1/canisters/{name}/versions?n=2"))
        {
            var page = await RefusalAsync(first, HttpStatusCode.OK);
            Assert.Equal(2, page.GetProperty("versions").GetArrayLength());
            var next = page.GetProperty("next").GetString()!;
            Assert.Equal($"<{next}>; rel=\"next\"", Assert.Single(first.Headers.GetValues("Link")));
            using var second = await Http.GetAsync(next);
            var rest = await RefusalAsync(second, HttpStatusCode.OK);
            Assert.Equal([v1.Digest], rest.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("digest").GetString()));
            Assert.Equal(JsonValueKind.Null, rest.GetProperty("next").ValueKind);
        }

        // Plain OCI clients see the generated tags: <branch>-latest (tag-safe), <tag>, sha-<commit>.
        using (var tags = await Http.GetAsync($"/v2/{name}/tags/list"))
        {
            var list = (await RefusalAsync(tags, HttpStatusCode.OK)).GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToHashSet();
            Assert.Superset(new HashSet<string?> { "main-latest", "feature-login-latest", "v1.0.0", "v1.1.0", $"sha-{v1.Commit}", $"sha-{v2.Commit}", $"sha-{f1.Commit}" }, list);
        }
        Assert.Equal(v2.Digest, await TagDigestAsync(name, "main-latest"));
        Assert.Equal(f1.Digest, await TagDigestAsync(name, "feature-login-latest"));
        Assert.Equal(v1.Digest, await TagDigestAsync(name, $"sha-{v1.Commit}"));

        // The module list shows the latest version per branch.
        using (var list = await Http.GetAsync($"/api/v1/canisters?last={Uri.EscapeDataString(name[..^1])}&n=1"))
        {
            var page = await RefusalAsync(list, HttpStatusCode.OK);
            var module = page.GetProperty("canisters")[0];
            Assert.Equal(name, module.GetProperty("name").GetString());
            Assert.Equal(3, module.GetProperty("versionCount").GetInt32());
            var heads = module.GetProperty("branches").EnumerateArray()
                .ToDictionary(b => b.GetProperty("branch").GetString()!, b => b.GetProperty("latest").GetProperty("digest").GetString());
            Assert.Equal(new Dictionary<string, string?> { ["feature/login"] = f1.Digest, ["main"] = v2.Digest }, heads);
        }
    }

    [Fact]
    public async Task The_wasm_is_the_uncompressed_module_and_the_candid_agrees_with_ic_wasm()
    {
        var name = UniqueName("wasm");
        var wasm = Module("counter");
        var pushed = await PushAsync(_client, name, wasm, gzip: true, "main", "v1", Commit(name));

        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/versions/{pushed.Digest}/wasm"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/wasm", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(pushed.ModuleHash, Assert.Single(response.Headers.GetValues("Platform-Module-Hash")));
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(wasm, bytes);
            Assert.Equal(pushed.ModuleHash, HashOf(bytes));
        }

        var icWasm = Path.Combine(RepositoryRoot.Path, "tests", "crosscheck", "ic-wasm", "node_modules", "@icp-sdk", "ic-wasm-linux-x64", "bin", "ic-wasm");
        var expected = await Tool.RunCheckedAsync(icWasm, [ModulePath("counter"), "metadata", "candid:service"]);
        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/versions/{pushed.Digest}/candid"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(expected.Trim(), (await response.Content.ReadAsStringAsync()).Trim());
        }
        Assert.Contains("inc: () -> (nat);", expected);

        // The config's own Candid wins over the module's.
        var config = Config(name, "main", "v2", Commit(name + "own"), HashOf(wasm));
        config["candid"] = "service : { own: () -> () }";
        var (put, digest) = await TryPushAsync(_client, name, wasm, gzip: false, config);
        using (put)
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/versions/{digest}/candid"))
            Assert.Equal("service : { own: () -> () }", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_pushes_are_MANIFEST_INVALID_naming_the_field_and_write_nothing()
    {
        var name = UniqueName("bad");
        var wasm = Module("counter");
        var hash = HashOf(wasm);
        var commit = Commit(name);

        async Task<string> FieldAsync(byte[] layer, bool gzip, JsonObject config, Action<JsonObject>? edit = null, string? mediaType = null)
        {
            var (response, _) = await TryPushAsync(_client, name, layer, gzip, config, editManifest: edit, layerMediaType: mediaType);
            using (response)
                return await InvalidFieldAsync(response);
        }

        Assert.Equal("config.moduleHash", await FieldAsync(wasm, false, Config(name, "main", null, commit, HashOf(Module("counter_v2")))));
        Assert.Equal("config.moduleHash", await FieldAsync(wasm, true, Config(name, "main", null, commit, HashOf(Gzip(wasm)))));
        Assert.Equal("layers[0]", await FieldAsync(RegistryClient.RandomBytes(5000, 7), false, Config(name, "main", null, commit, hash)));
        Assert.Equal("layers[0]", await FieldAsync(wasm[..(wasm.Length / 2)], false, Config(name, "main", null, commit, HashOf(wasm[..(wasm.Length / 2)]))));
        Assert.Equal("layers[0]", await FieldAsync(wasm, false, Config(name, "main", null, commit, hash), mediaType: "application/wasm+gzip"));
        Assert.Equal("layers[0].mediaType", await FieldAsync(wasm, false, Config(name, "main", null, commit, hash), mediaType: "application/octet-stream"));
        var noName = Config(name, "main", null, commit, hash);
        noName.Remove("name");
        Assert.Equal("config.name", await FieldAsync(wasm, false, noName));
        Assert.Equal("config.name", await FieldAsync(wasm, false, Config("other/ledger", "main", null, commit, hash)));
        Assert.Equal("config.branch", await FieldAsync(wasm, false, Config(name, new string('b', 300), null, commit, hash)));
        Assert.Equal("config.branch", await FieldAsync(wasm, false, Config(name, "a:b", null, commit, hash)));
        Assert.Equal("config.tag", await FieldAsync(wasm, false, Config(name, "main", "latest", commit, hash)));
        Assert.Equal("config.commit", await FieldAsync(wasm, false, Config(name, "main", null, "not-a-commit", hash)));
        Assert.Equal("config.moduleHash", await FieldAsync(wasm, false, Config(name, "main", null, commit, "md5:00")));
        Assert.Equal("layers", await FieldAsync(wasm, false, Config(name, "main", null, commit, hash),
            m => m["layers"]!.AsArray().Add(m["layers"]![0]!.DeepClone())));
        Assert.Equal("annotations.org.opencontainers.image.revision", await FieldAsync(wasm, false, Config(name, "main", null, commit, hash),
            m => m["annotations"]!["org.opencontainers.image.revision"] = Commit("elsewhere")));
        Assert.Equal("config.mediaType", await FieldAsync(wasm, false, Config(name, "main", null, commit, hash),
            m => m["config"]!["mediaType"] = "application/vnd.oci.image.config.v1+json"));

        // Nothing was recorded: no canister, no version, no tag.
        using var module = await Http.GetAsync($"/api/v1/canisters/{name}");
        await RefusalAsync(module, HttpStatusCode.NotFound);
        using var tags = await Http.GetAsync($"/v2/{name}/tags/list");
        var list = await tags.Content.ReadAsStringAsync();
        Assert.DoesNotContain("main-latest", list);
    }

    [Fact]
    public async Task Bad_reads_are_4xx_problems()
    {
        var name = UniqueName("reads");
        var pushed = await PushAsync(_client, name, Module("counter"), gzip: false, "main", "v1", Commit(name));
        (string Path, HttpStatusCode Status)[] cases =
        [
            ($"/api/v1/canisters/{name}/resolve", HttpStatusCode.BadRequest),
            ($"/api/v1/canisters/{name}/resolve?selector=main:latest&at=yesterday", HttpStatusCode.BadRequest),
            ($"/api/v1/canisters/{name}/resolve?selector=sha256:abc", HttpStatusCode.BadRequest),
            ($"/api/v1/canisters/{name}/resolve?selector=:latest", HttpStatusCode.BadRequest),
            ($"/api/v1/canisters/nobody/none/resolve?selector=main:latest", HttpStatusCode.NotFound),
            ($"/api/v1/canisters/{name}/versions?n=0", HttpStatusCode.BadRequest),
            ($"/api/v1/canisters/{name}/versions?last=sha256:{new string('0', 64)}", HttpStatusCode.BadRequest),
            ($"/api/v1/canisters/{name}/versions/sha256:{new string('0', 64)}/candid", HttpStatusCode.NotFound),
            ($"/api/v1/canisters/{name}/versions/sha256:{new string('0', 64)}/wasm", HttpStatusCode.NotFound),
            ($"/api/v1/canisters/{name}/versions/sha256:zz/wasm", HttpStatusCode.BadRequest),
            ($"/api/v1/canisters/{name}/versions/sha256:zz/candid", HttpStatusCode.BadRequest),
            ($"/api/v1/canisters/Bad..Name/versions", HttpStatusCode.BadRequest),
        ];
        foreach (var (path, status) in cases)
        {
            using var response = await Http.GetAsync(path);
            Assert.True(status == response.StatusCode, $"{path}: expected {(int)status}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(pushed.Digest, await ResolveAsync(name, "v1"));
    }

    [Fact]
    public async Task A_module_whose_stored_bytes_rot_is_marked_corrupted_and_refused()
    {
        var name = UniqueName("rot");
        var good = await PushAsync(_client, name, Module("counter"), gzip: false, "main", "v1", Commit(name + "good"));
        var rotten = await PushAsync(_client, name, Unique(Module("counter_v2"), name), gzip: true, "main", "v2", Commit(name + "rot"));
        var layer = (await VersionsAsync(name, "tag=v2"))[0].GetProperty("moduleDigest").GetString()!;

        // The disk returns other bytes for the layer (the content store is addressed by digest, so this is rot).
        var hex = layer["sha256:".Length..];
        var path = Path.Combine(registry.StorageRoot, "blobs", "sha256", hex[..2], hex);
        File.SetAttributes(path, FileAttributes.Normal);
        await File.WriteAllBytesAsync(path, Gzip(Module("counter_classic")));

        var integrity = registry.IngestServices.GetRequiredService<Platform.Ingest.Canisters.ModuleIntegrity>();
        Assert.True(await integrity.CheckOnceAsync(CancellationToken.None) >= 1);
        var versions = await VersionsAsync(name, "");
        Assert.True(versions.Single(v => v.GetProperty("digest").GetString() == rotten.Digest).GetProperty("corrupted").GetBoolean());
        Assert.False(versions.Single(v => v.GetProperty("digest").GetString() == good.Digest).GetProperty("corrupted").GetBoolean());

        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/versions/{rotten.Digest}/wasm"))
        {
            var problem = await RefusalAsync(response, HttpStatusCode.Conflict);
            Assert.True(problem.GetProperty("corrupted").GetBoolean());
        }
        // A second pass records nothing new.
        var again = await integrity.CheckOnceAsync(CancellationToken.None);
        using (var response = await Http.GetAsync($"/api/v1/canisters/{name}/resolve?selector=main:latest"))
            Assert.True((await RefusalAsync(response, HttpStatusCode.OK)).GetProperty("version").GetProperty("corrupted").GetBoolean());

        // The event is in the repository's stream, with the system as its actor.
        await using var query = registry.IngestServices.GetRequiredService<Marten.IDocumentStore>().QuerySession();
        var events = await query.Events.FetchStreamAsync($"repo:{name}");
        var corrupted = Assert.Single(events, e => e.Data is Platform.Registry.Events.CanisterVersionCorrupted);
        Assert.Equal(rotten.Digest, ((Platform.Registry.Events.CanisterVersionCorrupted)corrupted.Data).Digest);
        Assert.Equal("system:integrity", corrupted.Headers?["actor"]?.ToString());
        _ = again;
    }

    private async Task<string?> ResolveAsync(string name, string selector, DateTimeOffset? at = null)
    {
        var query = $"selector={Uri.EscapeDataString(selector)}" + (at is { } t ? $"&at={Uri.EscapeDataString(t.ToString("O"))}" : "");
        using var response = await Http.GetAsync($"/api/v1/canisters/{name}/resolve?{query}");
        var body = await RefusalAsync(response, HttpStatusCode.OK);
        return body.GetProperty("version").GetProperty("digest").GetString();
    }

    private async Task<List<JsonElement>> VersionsAsync(string name, string query)
    {
        using var response = await Http.GetAsync($"/api/v1/canisters/{name}/versions?{query}");
        return [.. (await RefusalAsync(response, HttpStatusCode.OK)).GetProperty("versions").EnumerateArray()];
    }

    private async Task<string?> TagDigestAsync(string name, string tag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"/v2/{name}/manifests/{tag}");
        request.Headers.Accept.ParseAdd(RegistryClient.OciManifest);
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("Docker-Content-Digest").Single();
    }
}
