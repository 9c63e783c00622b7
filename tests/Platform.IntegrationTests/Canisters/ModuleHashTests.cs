using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Platform.Candid;
using Platform.Engine.Management;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;
using static Platform.IntegrationTests.Canisters.CanisterArtifacts;

namespace Platform.IntegrationTests.Canisters;

/// <summary>
/// "What runs is what was built": a module pushed (gzip) and downloaded from the registry, installed on the canister
/// engine through its PocketIC REST API, reports as its module_hash the moduleHash the registry stored. The engine runs
/// in this process on a real port (WebApplicationFactory), driven over HTTP as a PocketIC client drives it.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class ModuleHashTests(RegistryFixture registry) : IAsyncLifetime
{
    private readonly RegistryClient _client = new(registry.Gateway);
    private WebApplicationFactory<Platform.Engine.EngineService>? _engine;
    private HttpClient _pic = null!;

    public Task InitializeAsync()
    {
        var port = ThrowawayPostgres.FreePort();
        _engine = InProcessService.Start<Platform.Engine.EngineService>(port, _ => { });
        _pic = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _pic.Dispose();
        if (_engine is not null)
            await _engine.DisposeAsync();
    }

    [Theory]
    [InlineData("counter", true)]
    [InlineData("counter_classic", false)]
    public async Task The_stored_moduleHash_is_the_engines_module_hash_after_install(string module, bool gzip)
    {
        var name = $"hash{Guid.NewGuid():N}"[..16] + "/" + module.Replace('_', '-');
        var pushed = await PushAsync(_client, name, Module(module), gzip, "main", "v1", Commit(name));

        using var resolve = await registry.Gateway.GetAsync($"/api/v1/canisters/{name}/resolve?selector=main:latest");
        var version = (await RefusalAsync(resolve, HttpStatusCode.OK)).GetProperty("version");
        var digest = version.GetProperty("digest").GetString();
        var moduleHash = version.GetProperty("moduleHash").GetString();
        var wasm = await registry.Gateway.GetByteArrayAsync($"/api/v1/canisters/{name}/versions/{digest}/wasm");
        // The registry's moduleHash is the SHA-256 of the bytes it serves, which are what gets installed.
        Assert.Equal(moduleHash, HashOf(wasm));

        using var created = await _pic.PostAsJsonAsync("/instances", new { });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var instance = (await created.Content.ReadFromJsonAsync<JsonObject>())!["Created"]!["instance_id"]!.GetValue<int>();

        var create = CandidValue.Record(("amount", CandidValue.None), ("settings", CandidValue.None), ("specified_id", CandidValue.None));
        var reply = await ManagementAsync(instance, "provisional_create_canister_with_cycles", CandidBinary.Encode(ManagementTypes.ProvisionalCreateArgs, create));
        var canister = CandidBinary.Decode(reply, ManagementTypes.CanisterIdRecord).AsRecord()["canister_id"].AsPrincipal();

        var install = CandidValue.Record(
            // The test counters are actor classes: their init takes the start value (a Nat).
            ("mode", CandidValue.Variant("install", CandidValue.Null)), ("canister_id", CandidValue.Principal(canister)),
            ("wasm_module", CandidValue.Blob(wasm)), ("arg", CandidValue.Blob(CandidBinary.Encode(CandidType.Nat, CandidValue.Nat(5)))), ("sender_canister_version", CandidValue.None));
        await ManagementAsync(instance, "install_code", CandidBinary.Encode(ManagementTypes.InstallCodeArgs, install));

        var status = await ManagementAsync(instance, "canister_status",
            CandidBinary.Encode(ManagementTypes.CanisterIdRecord, CandidValue.Record(("canister_id", CandidValue.Principal(canister)))));
        var reported = CandidBinary.Decode(status, ManagementTypes.CanisterStatusResult).AsRecord()["module_hash"].AsOpt()!.AsBlob();

        Assert.Equal(pushed.ModuleHash, moduleHash);
        Assert.Equal(moduleHash, "sha256:" + Convert.ToHexStringLower(reported));
    }

    // An update call to the management canister: submit, then await, as pic-js does.
    private async Task<byte[]> ManagementAsync(int instance, string method, byte[] payload)
    {
        var call = new
        {
            sender = Convert.ToBase64String(Principal.Anonymous.ToArray()),
            canister_id = "",
            method,
            payload = Convert.ToBase64String(payload),
            effective_principal = "None",
        };
        using var submitted = await _pic.PostAsJsonAsync($"/instances/{instance}/update/submit_ingress_message", call);
        var submit = (await submitted.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(submit["Ok"] is not null, $"{method} was not accepted: {submit.ToJsonString()}");
        using var awaited = await _pic.PostAsJsonAsync($"/instances/{instance}/update/await_ingress_message", submit["Ok"]);
        var result = (await awaited.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(result["Ok"] is not null, $"{method} failed: {result.ToJsonString()}");
        return Convert.FromBase64String(result["Ok"]!.GetValue<string>());
    }
}
