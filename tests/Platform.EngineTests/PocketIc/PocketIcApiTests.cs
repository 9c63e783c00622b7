using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Platform.Engine;

namespace Platform.EngineTests.PocketIc;

/// <summary>The REST surface: shapes pic-js depends on, and bad input answered with 400 {"message"}, never a 500.</summary>
public sealed class PocketIcApiTests(WebApplicationFactory<EngineService> factory) : IClassFixture<WebApplicationFactory<EngineService>>
{
    private readonly HttpClient _http = factory.CreateClient();

    private async Task<int> CreateInstance(string body = """{"subnet_config_set":{"system":[],"application":[{},{}],"verified_application":[],"cloud_engine":[]}}""")
    {
        var response = await _http.PostAsync("/instances", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("Created").GetProperty("instance_id").GetInt32();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string path, string body)
    {
        var response = await _http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Topology_lists_pocketic_ranges_and_the_default_effective_canister_id()
    {
        var id = await CreateInstance();
        var topology = await _http.GetFromJsonAsync<JsonElement>($"/instances/{id}/_/topology");
        var subnets = topology.GetProperty("subnet_configs").EnumerateObject().ToList();
        Assert.Equal(2, subnets.Count);
        Assert.All(subnets, s => Assert.Equal("Application", s.Value.GetProperty("subnet_kind").GetString()));
        Assert.Equal("///////gAAABAQ==", subnets[0].Value.GetProperty("canister_ranges")[0].GetProperty("start").GetProperty("canister_id").GetString());
        Assert.Equal("///////v//8BAQ==", subnets[0].Value.GetProperty("canister_ranges")[0].GetProperty("end").GetProperty("canister_id").GetString());
        Assert.Equal("///////gAAABAQ==", topology.GetProperty("default_effective_canister_id").GetProperty("canister_id").GetString());
        Assert.Equal(32, subnets[1].Value.GetProperty("subnet_seed").GetArrayLength());
    }

    [Fact]
    public async Task Time_starts_at_genesis_moves_forward_and_never_back()
    {
        var id = await CreateInstance();
        var time = await _http.GetFromJsonAsync<JsonElement>($"/instances/{id}/read/get_time");
        Assert.Equal(1_620_328_630_000_000_000UL, time.GetProperty("nanos_since_epoch").GetUInt64());

        var (status, _) = await Post($"/instances/{id}/update/set_time", """{"nanos_since_epoch":1893456000000000000}""");
        Assert.Equal(HttpStatusCode.OK, status);
        await Post($"/instances/{id}/update/tick", "{}");
        var after = await _http.GetFromJsonAsync<JsonElement>($"/instances/{id}/read/get_time");
        Assert.Equal(1_893_456_000_000_000_001UL, after.GetProperty("nanos_since_epoch").GetUInt64());

        var (past, body) = await Post($"/instances/{id}/update/set_time", """{"nanos_since_epoch":1}""");
        Assert.Equal(HttpStatusCode.BadRequest, past);
        Assert.StartsWith("SettingTimeIntoPast", body.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("update/submit_ingress_message", "{not json")]
    [InlineData("update/submit_ingress_message", """{"sender":"BA=="}""")]
    [InlineData("update/submit_ingress_message", """{"sender":"!!","canister_id":"","method":"x","payload":"","effective_principal":"None"}""")]
    [InlineData("read/query", """{"sender":"BA==","canister_id":"AAAAAAAAAAEBAQ==","method":"x","payload":"","effective_principal":{"SubnetId":"AAAA"}}""")]
    [InlineData("update/await_ingress_message", """{"message_id":"AAAA","effective_principal":"None"}""")]
    [InlineData("read/get_cycles", """{"canister_id":"AAAAAAAAAAEBAQ=="}""")]
    [InlineData("update/set_stable_memory", """{"canister_id":"AAAAAAAAAAEBAQ==","blob_id":"AAAA"}""")]
    public async Task Bad_requests_get_400_with_a_message(string path, string body)
    {
        var id = await CreateInstance();
        var (status, json) = await Post($"/instances/{id}/{path}", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task An_unknown_instance_is_a_400_message()
    {
        var (status, json) = await Post("/instances/9999/read/get_cycles", """{"canister_id":"AAAAAAAAAAEBAQ=="}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("9999", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Calls_to_missing_canisters_are_rejects_and_cycles_are_bare_big_numbers()
    {
        var id = await CreateInstance();
        var (status, submitted) = await Post($"/instances/{id}/update/submit_ingress_message",
            """{"sender":"BA==","canister_id":"AAAAAAAAAAcBAQ==","method":"go","payload":"RElETAAA","effective_principal":"None"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var err = submitted.GetProperty("Err");
        Assert.Equal("DestinationInvalid", err.GetProperty("reject_code").GetString());
        Assert.Equal("CanisterNotFound", err.GetProperty("error_code").GetString());

        // Create a canister through the management canister with 2^70 cycles, then top it up: no digit is lost.
        var create = Convert.ToBase64String(Platform.Candid.CandidBinary.Encode(Engine.Management.ManagementTypes.ProvisionalCreateArgs,
            Platform.Candid.CandidValue.Record(("amount", Platform.Candid.CandidValue.Some(Platform.Candid.CandidValue.Nat(System.Numerics.BigInteger.Pow(2, 70)))),
                ("settings", Platform.Candid.CandidValue.None), ("specified_id", Platform.Candid.CandidValue.None))));
        var (_, ok) = await Post($"/instances/{id}/update/execute_ingress_message",
            $$"""{"sender":"BA==","canister_id":"","method":"provisional_create_canister_with_cycles","payload":"{{create}}","effective_principal":"None"}""");
        var reply = Convert.FromBase64String(ok.GetProperty("Ok").GetString()!);
        var canister = Platform.Candid.CandidBinary.Decode(reply, Engine.Management.ManagementTypes.CanisterIdRecord).AsRecord()["canister_id"].AsPrincipal();
        var b64 = Convert.ToBase64String(canister.Bytes);
        var response = await _http.PostAsync($"/instances/{id}/update/add_cycles", new StringContent($$"""{"canister_id":"{{b64}}","amount":5}""", Encoding.UTF8, "application/json"));
        Assert.Equal("""{"cycles":1180591620717411303429}""", await response.Content.ReadAsStringAsync());

        var controllers = await Post($"/instances/{id}/read/get_controllers", $$"""{"canister_id":"{{b64}}"}""");
        Assert.Equal("BA==", controllers.Body[0].GetProperty("principal_id").GetString());
    }

    [Fact]
    public async Task Deleting_an_instance_removes_it()
    {
        var id = await CreateInstance();
        Assert.Equal(HttpStatusCode.OK, (await _http.DeleteAsync($"/instances/{id}")).StatusCode);
        var (status, _) = await Post($"/instances/{id}/read/get_cycles", """{"canister_id":"AAAAAAAAAAEBAQ=="}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task The_instance_list_is_indexed_by_id_and_keeps_deleted_ones()
    {
        var deleted = await CreateInstance();
        var kept = await CreateInstance();
        Assert.Equal(HttpStatusCode.OK, (await _http.DeleteAsync($"/instances/{deleted}")).StatusCode);

        var states = (await _http.GetFromJsonAsync<string[]>("/instances"))!;

        Assert.True(states.Length > kept);
        Assert.Equal("Deleted", states[deleted]);
        Assert.Equal("Available", states[kept]);
    }
}
