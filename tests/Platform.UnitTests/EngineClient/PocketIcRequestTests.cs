using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.Candid;
using Platform.Engine.Client;

namespace Platform.UnitTests.EngineClient;

/// <summary>
/// The client's requests against the shapes PocketIC's REST API takes (as @dfinity/pic 0.23 sends them and a real
/// server reads them), and its reading of the server's answers: a scripted server records every request.
/// </summary>
public sealed class PocketIcRequestTests
{
    private sealed record Exchange(HttpMethod Method, string Path, string? ContentType, byte[] Body);

    private sealed class ScriptedServer : HttpMessageHandler
    {
        private readonly Queue<(HttpStatusCode Status, string Body)> _answers = new();
        private readonly Func<Exchange, string>? _responder;
        public List<Exchange> Requests { get; } = [];

        public ScriptedServer(Func<Exchange, string>? responder = null) => _responder = responder;

        public ScriptedServer Answer(string body, HttpStatusCode status = HttpStatusCode.OK)
        {
            _answers.Enqueue((status, body));
            return this;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            var exchange = new Exchange(request.Method, request.RequestUri!.AbsolutePath, request.Content?.Headers.ContentType?.MediaType, body);
            HttpStatusCode status;
            string text;
            lock (Requests)
            {
                Requests.Add(exchange);
                (status, text) = _responder is not null ? (HttpStatusCode.OK, _responder(exchange))
                    : _answers.Count > 0 ? _answers.Dequeue() : (HttpStatusCode.OK, "null");
            }
            return new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, "application/json") };
        }

        public JsonElement Json(int i) => JsonDocument.Parse(Requests[i].Body).RootElement;
    }

    private static (PocketIcClient, ScriptedServer) Client(params string[] answers)
    {
        var server = new ScriptedServer();
        foreach (var a in answers) server.Answer(a);
        return (new PocketIcClient(new HttpClient(server) { BaseAddress = new Uri("http://127.0.0.1:1/") }), server);
    }

    private static readonly Principal Canister = Principal.FromCanisterIndex(0xFFFFFFFFFFF00000);
    private const string SubmitOk = """{"Ok":{"effective_principal":{"SubnetId":"AQI="},"message_id":"q83vEjRWeJA="}}""";

    [Fact]
    public async Task A_new_instance_sends_all_four_subnet_arrays_and_every_spec_field()
    {
        var (client, server) = Client("""{"Created":{"instance_id":3,"topology":{"subnet_configs":{},"default_effective_canister_id":{"canister_id":"///////gAAABAQ=="}},"http_gateway_info":null}}""");
        var instance = await client.CreateInstanceAsync(SubnetConfig.WithApplicationSubnets(2));

        Assert.Equal(3, instance.Id);
        Assert.Equal(HttpMethod.Post, server.Requests[0].Method);
        Assert.Equal("/instances", server.Requests[0].Path);
        Assert.Equal("application/json", server.Requests[0].ContentType);
        const string spec = """{"dts_flag":"Enabled","instruction_config":"Production","cost_schedule":"Normal","state_config":"New"}""";
        Assert.Equal($$$"""{"subnet_config_set":{"system":[],"application":[{{{spec}}},{{{spec}}}],"cloud_engine":[],"verified_application":[]}}""",
            Encoding.UTF8.GetString(server.Requests[0].Body));
    }

    [Fact]
    public async Task Named_subnets_and_state_from_a_path_are_sent_when_set()
    {
        var (client, server) = Client("""{"Created":{"instance_id":0}}""");
        await client.CreateInstanceAsync(new SubnetConfig { Nns = new SubnetSpec(), Application = [new SubnetSpec(StateFromPath: "/state")] });
        var set = server.Json(0).GetProperty("subnet_config_set");
        Assert.Equal("New", set.GetProperty("nns").GetProperty("state_config").GetString());
        Assert.Equal("/state", set.GetProperty("application")[0].GetProperty("state_config").GetProperty("FromPath").GetString());
        Assert.False(set.TryGetProperty("sns", out _));
    }

    [Fact]
    public async Task A_refused_instance_is_an_error_with_the_server_s_message()
    {
        var (client, _) = Client("""{"Error":{"message":"too many subnets"}}""");
        var e = await Assert.ThrowsAsync<PocketIcException>(() => client.CreateInstanceAsync());
        Assert.Contains("too many subnets", e.Message);
    }

    [Fact]
    public async Task A_call_carries_sender_canister_method_payload_and_effective_principal_in_base64()
    {
        var (client, server) = Client(SubmitOk, """{"Ok":"RElETAABfSo="}""");
        var outcome = await client.Instance(1).UpdateCallAsync(new CanisterCall(Principal.Anonymous, Principal.ManagementCanister, "inc", [1, 2, 3]));

        var submit = server.Json(0);
        Assert.Equal("/instances/1/update/submit_ingress_message", server.Requests[0].Path);
        Assert.Equal("BA==", submit.GetProperty("sender").GetString());
        Assert.Equal("", submit.GetProperty("canister_id").GetString());
        Assert.Equal("inc", submit.GetProperty("method").GetString());
        Assert.Equal("AQID", submit.GetProperty("payload").GetString());
        Assert.Equal("None", submit.GetProperty("effective_principal").GetString());
        Assert.Equal(5, submit.EnumerateObject().Count());

        // The await echoes the submission's effective principal and message id unchanged.
        Assert.Equal("/instances/1/update/await_ingress_message", server.Requests[1].Path);
        Assert.Equal("""{"effective_principal":{"SubnetId":"AQI="},"message_id":"q83vEjRWeJA="}""", Encoding.UTF8.GetString(server.Requests[1].Body));
        Assert.Equal(Convert.FromBase64String("RElETAABfSo="), Assert.IsType<CallReply>(outcome).Data);
    }

    [Fact]
    public async Task Effective_principals_are_written_as_pocket_ic_names_them()
    {
        var (client, server) = Client("""{"Ok":""}""", """{"Ok":""}""");
        var instance = client.Instance(0);
        await instance.QueryCallAsync(new CanisterCall(Principal.Anonymous, Canister, "get", []) { EffectivePrincipal = EffectivePrincipal.Subnet(Principal.FromBytes([1, 2])) });
        await instance.QueryCallAsync(new CanisterCall(Principal.Anonymous, Canister, "get", []) { EffectivePrincipal = EffectivePrincipal.Canister(Canister) });
        Assert.Equal("/instances/0/read/query", server.Requests[0].Path);
        Assert.Equal("AQI=", server.Json(0).GetProperty("effective_principal").GetProperty("SubnetId").GetString());
        Assert.Equal(Convert.ToBase64String(Canister.Bytes), server.Json(1).GetProperty("effective_principal").GetProperty("CanisterId").GetString());
    }

    [Theory]
    [InlineData("\"CanisterError\"", 5)]
    [InlineData("\"DestinationInvalid\"", 3)]
    [InlineData("4", 4)]
    public async Task Rejects_read_enum_names_or_numbers(string code, int expected)
    {
        var (client, _) = Client($$$"""{"Err":{"reject_code":{{{code}}},"reject_message":"boom","error_code":"CanisterCalledTrap","certified":true}}""");
        var reject = Assert.IsType<CallRejected>(await client.Instance(0).QueryCallAsync(new CanisterCall(Principal.Anonymous, Canister, "get", [])));
        Assert.Equal(new CallRejected(expected, "boom", "CanisterCalledTrap", true), reject);
        Assert.Throws<CanisterRejectedException>(() => reject.ReplyOrThrow("get"));
    }

    [Fact]
    public async Task A_busy_instance_is_retried_and_a_started_operation_is_polled()
    {
        var server = new ScriptedServer()
            .Answer("""{"state_label":"abc","op_id":"op1"}""", HttpStatusCode.Conflict)
            .Answer("""{"state_label":"abc","op_id":"op1"}""", HttpStatusCode.Conflict)
            .Answer("""{"state_label":"def","op_id":"op 2"}""", HttpStatusCode.Accepted)
            .Answer("null")
            .Answer("""{"nanos_since_epoch":1620328630000000000}""");
        var client = new PocketIcClient(new HttpClient(server) { BaseAddress = new Uri("http://127.0.0.1:1/") });
        Assert.Equal(1620328630000000000UL, await client.Instance(2).GetTimeAsync());
        Assert.Equal(["/instances/2/read/get_time", "/instances/2/read/get_time", "/instances/2/read/get_time", "/read_graph/def/op%202", "/read_graph/def/op%202"],
            server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task Retries_stop_at_the_processing_timeout()
    {
        var server = new ScriptedServer();
        for (var i = 0; i < 10_000; i++) server.Answer("""{"state_label":"a","op_id":"b"}""", HttpStatusCode.Conflict);
        var client = new PocketIcClient(new HttpClient(server) { BaseAddress = new Uri("http://127.0.0.1:1/") },
            new PocketIcClientOptions { ProcessingTimeout = TimeSpan.FromMilliseconds(200) });
        await Assert.ThrowsAsync<TimeoutException>(() => client.Instance(0).GetTimeAsync());
    }

    [Theory]
    [InlineData(400, """{"message":"CanisterNotFound(x)"}""")]
    [InlineData(200, """{"message":"whatever the status"}""")]
    [InlineData(500, "not json")]
    [InlineData(404, "")]
    public async Task Server_errors_are_pocket_ic_exceptions(int status, string body)
    {
        var server = new ScriptedServer().Answer(body, (HttpStatusCode)status);
        var client = new PocketIcClient(new HttpClient(server) { BaseAddress = new Uri("http://127.0.0.1:1/") });
        await Assert.ThrowsAsync<PocketIcException>(() => client.Instance(0).GetCyclesAsync(Canister));
    }

    [Fact]
    public async Task Big_integers_are_bare_json_numbers_with_every_digit()
    {
        var big = BigInteger.Pow(2, 100) + 7;
        var (client, server) = Client($$"""{"cycles":{{big}}}""", "null");
        Assert.Equal(big, await client.Instance(0).AddCyclesAsync(Canister, big));
        Assert.Equal($$"""{"canister_id":"{{Convert.ToBase64String(Canister.Bytes)}}","amount":{{big}}}""", Encoding.UTF8.GetString(server.Requests[0].Body));
        await client.Instance(0).SetTimeAsync(ulong.MaxValue);
        Assert.Equal($$"""{"nanos_since_epoch":{{ulong.MaxValue}}}""", Encoding.UTF8.GetString(server.Requests[1].Body));
    }

    [Fact]
    public async Task Stable_memory_goes_through_the_blob_store()
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(new byte[] { 9 }));
        var (client, server) = Client(hex, "null");
        await client.Instance(4).SetStableMemoryAsync(Canister, [9]);
        Assert.Equal("/blobstore", server.Requests[0].Path);
        Assert.Equal([9], server.Requests[0].Body);
        Assert.Equal("/instances/4/update/set_stable_memory", server.Requests[1].Path);
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString(hex)), server.Json(1).GetProperty("blob_id").GetString());
    }

    [Fact]
    public async Task Instances_are_listed_by_index_or_by_name()
    {
        var (client, _) = Client("""["Deleted","Available"]""", """[{"instance_id":7,"name":"platform","state":"Available"}]""", """[{"instance_id":7,"name":"platform","state":"Available"}]""");
        Assert.Equal([new InstanceSummary(0, "Deleted", null), new InstanceSummary(1, "Available", null)], await client.ListInstancesAsync());
        Assert.Equal([new InstanceSummary(7, "Available", "platform")], await client.ListInstancesAsync());
        Assert.Equal(7, (await client.NamedOrNewInstanceAsync("platform")).Id);
    }

    [Fact]
    public async Task The_topology_is_read_with_textual_subnet_ids_and_base64_ranges()
    {
        var subnet = Principal.FromBytes(Enumerable.Repeat((byte)5, 29).ToArray());
        var start = Principal.FromCanisterIndex(0xFFFFFFFFFFE00000);
        var end = Principal.FromCanisterIndex(0xFFFFFFFFFFEFFFFF);
        var (client, _) = Client($$$"""
            {"subnet_configs":{"{{{subnet}}}":{"subnet_kind":"Application","subnet_seed":[1,2],"instruction_config":"Production",
              "canister_ranges":[{"start":{"canister_id":"{{{Convert.ToBase64String(start.Bytes)}}}"},"end":{"canister_id":"{{{Convert.ToBase64String(end.Bytes)}}}"}}]}},
             "default_effective_canister_id":{"canister_id":"{{{Convert.ToBase64String(start.Bytes)}}}"}}
            """);
        var topology = await client.Instance(0).GetTopologyAsync();
        var only = Assert.Single(topology.ApplicationSubnets);
        Assert.Equal(subnet, only.Id);
        Assert.True(only.Covers(Principal.FromCanisterIndex(0xFFFFFFFFFFE00005)));
        Assert.False(only.Covers(Principal.FromCanisterIndex(0xFFFFFFFFFFF00000)));
        Assert.Equal(start, topology.DefaultEffectiveCanisterId);
    }

    private static CandidArgs ManagementPayload(ScriptedServer server, int request) =>
        CandidBinary.Decode(Convert.FromBase64String(server.Json(request).GetProperty("payload").GetString()!));

    private static string CanisterIdReply => Convert.ToBase64String(
        CandidBinary.Encode(CandidType.Record(("canister_id", CandidType.Principal)), CandidValue.Record(("canister_id", CandidValue.Principal(Canister)))));

    [Fact]
    public async Task Create_canister_sends_every_settings_field_and_the_subnet_as_effective_principal()
    {
        var (client, server) = Client(SubmitOk, $$"""{"Ok":"{{CanisterIdReply}}"}""");
        var subnet = Principal.FromBytes([1, 2]);
        var id = await client.Instance(0).Management.CreateCanisterAsync(Principal.Anonymous,
            new CanisterSettings { Controllers = [Principal.Anonymous] }, cycles: 2_000_000_000_000, subnet: subnet);
        Assert.Equal(Canister, id);

        Assert.Equal("provisional_create_canister_with_cycles", server.Json(0).GetProperty("method").GetString());
        Assert.Equal("AQI=", server.Json(0).GetProperty("effective_principal").GetProperty("SubnetId").GetString());
        var text = CandidText.Print(ManagementPayload(server, 0));
        var arg = ManagementPayload(server, 0).Values[0].AsRecord();
        Assert.Equal(2_000_000_000_000, arg[CandidField.IdOf("amount")].AsOpt()!.AsNat());
        Assert.False(arg[CandidField.IdOf("specified_id")].AsOpt() is not null, text);
        var settings = arg[CandidField.IdOf("settings")].AsOpt()!.AsRecord();
        Assert.Equal(11, settings.Fields.Count);
        Assert.Equal(Principal.Anonymous, settings[CandidField.IdOf("controllers")].AsOpt()!.AsVec()[0].AsPrincipal());
    }

    [Fact]
    public async Task Install_code_encodes_the_mode_with_wasm_memory_persistence()
    {
        var (client, server) = Client(SubmitOk, """{"Ok":"RElETAAA"}""", SubmitOk, """{"Ok":"RElETAAA"}""");
        var mgmt = client.Instance(0).Management;
        await mgmt.InstallCodeAsync(Principal.Anonymous, Canister, [0, 0x61, 0x73, 0x6d], [], InstallMode.Upgrade(keepWasmMemory: true));
        await mgmt.InstallCodeAsync(Principal.Anonymous, Canister, [0, 0x61, 0x73, 0x6d], [1], InstallMode.Install);

        Assert.Equal("None", server.Json(0).GetProperty("effective_principal").GetString());
        var upgrade = ManagementPayload(server, 0).Values[0].AsRecord();
        Assert.Equal(4, upgrade.Fields.Count); // arg, wasm_module, mode, canister_id: no sender_canister_version
        Assert.Empty(upgrade[CandidField.IdOf("arg")].AsBlob());
        var mode = upgrade[CandidField.IdOf("mode")].AsVariant();
        Assert.Equal(CandidField.IdOf("upgrade"), mode.Id);
        var persistence = mode.Value.AsOpt()!.AsRecord()[CandidField.IdOf("wasm_memory_persistence")].AsOpt()!.AsVariant();
        Assert.Equal(CandidField.IdOf("keep"), persistence.Id);
        Assert.Equal(Canister, upgrade[CandidField.IdOf("canister_id")].AsPrincipal());

        var install = ManagementPayload(server, 2).Values[0].AsRecord();
        Assert.Equal(CandidField.IdOf("install"), install[CandidField.IdOf("mode")].AsVariant().Id);
        Assert.Equal([1], install[CandidField.IdOf("arg")].AsBlob());
    }

    [Fact]
    public async Task A_large_module_goes_through_the_chunk_store_with_the_canister_as_effective_principal()
    {
        var wasm = RandomNumberGenerator.GetBytes(2_100_000);
        var chunkHash = Convert.ToBase64String(CandidBinary.Encode(CandidType.Record(("hash", CandidType.Blob)), CandidValue.Record(("hash", CandidValue.Blob(new byte[32])))));
        // Uploads run concurrently: the scripted server names each message after its method and answers its await by it.
        var server = new ScriptedServer(exchange =>
        {
            var body = JsonDocument.Parse(exchange.Body).RootElement;
            if (exchange.Path.EndsWith("submit_ingress_message", StringComparison.Ordinal))
                return $$$"""{"Ok":{"effective_principal":"None","message_id":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(body.GetProperty("method").GetString()!))}}}"}}""";
            var method = Encoding.UTF8.GetString(Convert.FromBase64String(body.GetProperty("message_id").GetString()!));
            return method == "upload_chunk" ? $$"""{"Ok":"{{chunkHash}}"}""" : """{"Ok":"RElETAAA"}""";
        });
        var client = new PocketIcClient(new HttpClient(server) { BaseAddress = new Uri("http://127.0.0.1:1/") });
        await client.Instance(0).Management.InstallCodeAsync(Principal.Anonymous, Canister, wasm, [], InstallMode.Install);

        var submits = server.Requests.Select((r, i) => (r, i)).Where(x => x.r.Path.EndsWith("submit_ingress_message", StringComparison.Ordinal)).Select(x => server.Json(x.i)).ToList();
        Assert.Equal(["clear_chunk_store", "upload_chunk", "upload_chunk", "upload_chunk", "install_chunked_code"], submits.Select(s => s.GetProperty("method").GetString()));
        Assert.All(submits, s => Assert.Equal(Convert.ToBase64String(Canister.Bytes), s.GetProperty("effective_principal").GetProperty("CanisterId").GetString()));
        var install = CandidBinary.Decode(Convert.FromBase64String(submits[^1].GetProperty("payload").GetString()!)).Values[0].AsRecord();
        Assert.Equal(SHA256.HashData(wasm), install[CandidField.IdOf("wasm_module_hash")].AsBlob());
        Assert.Equal(3, install[CandidField.IdOf("chunk_hashes_list")].AsVec().Count);
    }
}
