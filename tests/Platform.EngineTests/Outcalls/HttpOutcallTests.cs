using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Candid;
using Platform.Engine;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Outcalls;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Outcalls;

/// <summary>
/// HTTPS outcalls made by a Motoko canister (dev/canisters/src/Outcall.mo) through the management canister: real
/// requests to a loopback server, the transform, the IC's price and limits and rejects, and PocketIC's mocking.
/// </summary>
public sealed class HttpOutcallTests(WebApplicationFactory<EngineService> factory) : IClassFixture<WebApplicationFactory<EngineService>>
{
    internal const ulong Cycles = 30_000_000_000;

    internal static byte[] FetchArgs(string url, ulong? maxResponseBytes = 10_000, string? post = null, bool transformed = true, ulong cycles = Cycles) =>
        CandidBinary.Encode(
            [CandidType.Text, CandidType.Opt(CandidType.Nat64), CandidType.Opt(CandidType.Text), CandidType.Bool, CandidType.Nat],
            [CandidValue.Text(url), maxResponseBytes is { } m ? CandidValue.Some(new Nat64Value(m)) : CandidValue.None,
                post is { } p ? CandidValue.Some(CandidValue.Text(p)) : CandidValue.None, CandidValue.Bool(transformed), CandidValue.Nat(cycles)]);

    private static string Fetch(EngineHarness engine, Principal canister, byte[] args) =>
        CandidBinary.Decode(Reply(engine.Update(Alice, canister, "fetch", args)), CandidType.Text).AsText();

    /// <summary>The IC's 13-node price: 49,140,000 + 5,200 per request byte + 10,400 per max_response_bytes byte.</summary>
    private static UInt128 Price(long requestBytes, ulong maxResponseBytes) => 49_140_000 + 5_200 * (UInt128)requestBytes + 10_400 * (UInt128)maxResponseBytes;

    [Fact]
    public void A_canister_gets_its_transformed_answer_from_a_loopback_server_and_pays_the_ic_price()
    {
        using var server = new LoopbackServer((_, _) => (200, "hello"));
        using var engine = new EngineHarness();
        var canister = engine.Install(Fixtures.Wasm("outcall"));
        var before = engine.Instance.FindCanister(canister)!.Cycles;

        var url = server.Url("/greeting");
        Assert.Equal("200 transformed:hello", Fetch(engine, canister, FetchArgs(url)));

        var seen = Assert.Single(server.Requests);
        Assert.Equal(("GET", "/greeting"), (seen.Method, seen.Path));
        Assert.Equal("outcall", seen.Headers["x-canister"]);
        Assert.Equal("ic/1.0", seen.Headers["user-agent"]);
        // url + header name and value + transform method name + context
        var requestBytes = url.Length + "x-canister".Length + "outcall".Length + "transform".Length + "transformed:".Length;
        Assert.Equal(Price(requestBytes, 10_000), before - engine.Instance.FindCanister(canister)!.Cycles);
        Assert.Empty(engine.Instance.Outcalls.Pending);
    }

    [Fact]
    public void Without_a_transform_the_canister_sees_status_headers_and_body_and_posts_its_body()
    {
        using var server = new LoopbackServer((request, body) => (201, $"{request.HttpMethod} {Encoding.UTF8.GetString(body)}"));
        using var engine = new EngineHarness();
        var canister = engine.Install(Fixtures.Wasm("outcall"));

        Assert.Equal("201 POST ping", Fetch(engine, canister, FetchArgs(server.Url("/echo"), post: "ping", transformed: false)));
        Assert.Equal("ping", Assert.Single(server.Requests).Body);
    }

    [Fact]
    public void A_host_outside_the_allow_list_is_refused_with_sys_transient_and_nothing_is_sent()
    {
        using var engine = new EngineHarness();
        var canister = engine.Install(Fixtures.Wasm("outcall"));

        var answer = Fetch(engine, canister, FetchArgs("https://example.com/"));
        Assert.StartsWith("#system_transient: Connecting to example.com failed", answer);
        Assert.Contains("allowed hosts", answer);
    }

    [Fact]
    public void An_allow_list_admits_the_hosts_it_names_and_their_subdomains_only()
    {
        using var adapter = new OutcallAdapter(new OutcallOptions { AllowedHosts = ["api.example.org", "*.internal.test", "127.0.0.1"] });
        Assert.True(adapter.IsAllowed(new Uri("https://api.example.org/x")));
        Assert.True(adapter.IsAllowed(new Uri("https://a.b.internal.test/")));
        Assert.True(adapter.IsAllowed(new Uri("http://127.0.0.1:8080/")));
        Assert.False(adapter.IsAllowed(new Uri("https://example.org/")));
        Assert.False(adapter.IsAllowed(new Uri("https://internal.test.evil.com/")));
        Assert.False(adapter.IsAllowed(new Uri("http://localhost/")));
        Assert.True(OutcallAdapter.LoopbackOnly.IsAllowed(new Uri("http://[::1]:1/")));
        Assert.False(OutcallAdapter.LoopbackOnly.IsAllowed(new Uri("https://10.0.0.1/")));
    }

    [Fact]
    public void The_ic_limits_are_applied_with_its_rejects_and_a_refused_call_costs_nothing()
    {
        using var server = new LoopbackServer((_, _) => (200, new string('x', 5_000)));
        using var engine = new EngineHarness();
        var canister = engine.Install(Fixtures.Wasm("outcall"));
        var url = server.Url("/big");

        var tooBig = Fetch(engine, canister, FetchArgs(url, maxResponseBytes: 3_000_000));
        Assert.Equal("#canister_reject: max_response_bytes expected to be in the range [0..2000000], got 3000000", tooBig);

        var before = engine.Instance.FindCanister(canister)!.Cycles;
        var poor = Fetch(engine, canister, FetchArgs(url, cycles: 1_000));
        Assert.StartsWith("#canister_reject: http_request request sent with 1000 cycles, but ", poor);
        Assert.EndsWith(" cycles are required.", poor);
        Assert.Equal(before, engine.Instance.FindCanister(canister)!.Cycles);

        var longUrl = Fetch(engine, canister, FetchArgs(url + "?" + new string('q', 9_000)));
        Assert.StartsWith("#canister_reject: url size ", longUrl);

        Assert.Equal("#system_transient: Http body exceeds size limit of 1000 bytes.", Fetch(engine, canister, FetchArgs(url, maxResponseBytes: 1_000)));
        // The default (no max_response_bytes) is the 2 MB cap: 5 KB fits.
        Assert.StartsWith("200 transformed:xxx", Fetch(engine, canister, FetchArgs(url, maxResponseBytes: null)));
        Assert.All(server.Requests, r => Assert.Equal("/big", r.Path));
    }

    private static byte[] RawArgs(IEnumerable<(string, string)> headers, byte[]? body = null, Principal? transformOwner = null) =>
        CandidBinary.Encode(HttpOutcallRequest.ArgsType, CandidValue.Record(
            ("url", CandidValue.Text("https://example.com/")),
            ("max_response_bytes", CandidValue.None),
            ("method", CandidValue.Variant("post", CandidValue.Null)),
            ("headers", CandidValue.Vec(headers.Select(h => (CandidValue)CandidValue.Record(("name", CandidValue.Text(h.Item1)), ("value", CandidValue.Text(h.Item2)))))),
            ("body", body is null ? CandidValue.None : CandidValue.Some(CandidValue.Blob(body))),
            ("transform", transformOwner is null ? CandidValue.None : CandidValue.Some(CandidValue.Record(
                ("function", new FuncValue(transformOwner, "transform")), ("context", CandidValue.Blob([]))))),
            ("is_replicated", CandidValue.None)));

    [Theory]
    [InlineData("headers", "number of http request headers 65 exceeds the limit of 64")]
    [InlineData("value", "http request header value of 8193 bytes exceeds the limit of 8192 bytes")]
    [InlineData("total", "http request headers of 53248 bytes exceed the limit of 49152 bytes")]
    [InlineData("body", "http_request request size 2000021 exceeds the limit of 2000000 bytes")]
    [InlineData("transform", "must be a query of the calling canister")]
    public void Requests_beyond_the_ic_limits_are_canister_rejects(string breaks, string message)
    {
        var caller = Principal.FromCanisterIndex(1);
        var payload = breaks switch
        {
            "headers" => RawArgs(Enumerable.Range(0, 65).Select(i => ($"h{i}", "v"))),
            "value" => RawArgs([("h", new string('v', 8193))]),
            "total" => RawArgs(Enumerable.Range(0, 13).Select(i => ($"h{i:00}", new string('v', 4093)))),
            "body" => RawArgs([], new byte[2_000_001]),
            _ => RawArgs([], null, Principal.FromCanisterIndex(2)),
        };
        HttpOutcallRequest.Parse(payload, caller, out var reject);
        Assert.NotNull(reject);
        Assert.Equal(RejectCode.CanisterReject, reject.Code);
        Assert.Contains(message, reject.Message);
        HttpOutcallRequest.Parse(RawArgs([("h", "v")], [1, 2], caller), caller, out var fine);
        Assert.Null(fine);
    }

    [Fact]
    public void A_server_that_is_not_listening_is_a_sys_transient_connect_failure()
    {
        using var engine = new EngineHarness();
        var canister = engine.Install(Fixtures.Wasm("outcall"));
        int port;
        using (var closed = new LoopbackServer((_, _) => (200, ""))) port = closed.Port;

        Assert.StartsWith("#system_transient: Connecting to 127.0.0.1 failed", Fetch(engine, canister, FetchArgs($"http://127.0.0.1:{port}/")));
    }

    [Fact]
    public void Users_cannot_call_http_request_directly()
    {
        using var engine = new EngineHarness();
        var reject = Reject(engine.Update(Alice, Principal.ManagementCanister, "http_request", FetchArgs("http://127.0.0.1/")));
        Assert.Equal(RejectCode.CanisterReject, reject.Code);
        Assert.Equal("Only canisters can call ic00 method http_request", reject.Message);
    }

    [Fact]
    public async Task Pending_outcalls_are_listed_and_mocked_through_the_pocketic_api_and_the_mock_is_transformed()
    {
        var http = factory.CreateClient();
        using var engine = new EngineHarness(factory.Services.GetRequiredService<InstanceRegistry>());
        var canister = engine.Install(Fixtures.Wasm("outcall"));
        var id = engine.Instance.Id;

        // Two ticks: the canister's call reaches the management canister, which accepts it.
        var message = engine.Instance.Submit(Alice, canister, "fetch", FetchArgs("https://api.example.com/price", post: "q"), null);
        await http.PostAsync($"/instances/{id}/update/tick", Json("{}"));
        await http.PostAsync($"/instances/{id}/update/tick", Json("{}"));
        var pending = JsonDocument.Parse(await http.GetStringAsync($"/instances/{id}/read/get_canister_http")).RootElement;
        var request = Assert.Single(pending.EnumerateArray());
        Assert.Equal("https://api.example.com/price", request.GetProperty("url").GetString());
        Assert.Equal("POST", request.GetProperty("http_method").GetString());
        Assert.Equal(10_000, request.GetProperty("max_response_bytes").GetInt64());
        Assert.Equal("cQ==", request.GetProperty("body").GetString());
        Assert.Equal("x-canister", request.GetProperty("headers")[0].GetProperty("name").GetString());
        var subnet = request.GetProperty("subnet_id").GetProperty("subnet_id").GetString();
        Assert.Equal(Convert.ToBase64String(engine.SubnetA.Id.Bytes), subnet);

        // More ticks do not refuse it: it waits for its mock.
        await http.PostAsync($"/instances/{id}/update/tick", Json("{}"));
        Assert.Single(JsonDocument.Parse(await http.GetStringAsync($"/instances/{id}/read/get_canister_http")).RootElement.EnumerateArray());

        var wrong = await http.PostAsync($"/instances/{id}/update/mock_canister_http", Json(
            $$$"""{"subnet_id":{"subnet_id":"{{{subnet}}}"},"request_id":999,"response":{"CanisterHttpReply":{"status":200,"headers":[],"body":""}},"additional_responses":[]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var bad = await http.PostAsync($"/instances/{id}/update/mock_canister_http", Json(
            $$$"""{"subnet_id":{"subnet_id":"{{{subnet}}}"},"request_id":0,"response":{"Nonsense":{}},"additional_responses":[]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var requestId = request.GetProperty("request_id").GetInt64();
        var mocked = await http.PostAsync($"/instances/{id}/update/mock_canister_http", Json(
            $$$"""{"subnet_id":{"subnet_id":"{{{subnet}}}"},"request_id":{{{requestId}}},"response":{"CanisterHttpReply":{"status":200,"headers":[{"name":"a","value":"b"}],"body":"{{{Convert.ToBase64String("42"u8)}}}"}},"additional_responses":[]}"""));
        Assert.Equal(HttpStatusCode.OK, mocked.StatusCode);
        Assert.Empty(JsonDocument.Parse(await http.GetStringAsync($"/instances/{id}/read/get_canister_http")).RootElement.EnumerateArray());

        await engine.Instance.Gate.WaitAsync();
        try
        {
            var result = engine.Instance.Await(message, out _);
            Assert.Equal("200 transformed:42", CandidBinary.Decode(Reply(result!), CandidType.Text).AsText());
        }
        finally { engine.Instance.Gate.Release(); }
    }

    [Fact]
    public void Mocked_rejects_reach_the_canister_and_replicas_that_disagree_are_no_consensus()
    {
        using var engine = new EngineHarness();
        var canister = engine.Install(Fixtures.Wasm("outcall"));

        string Mocked(params OutcallResult[] responses)
        {
            var message = engine.Instance.Submit(Alice, canister, "fetch", FetchArgs("https://api.example.com/"), null);
            engine.Instance.Tick();
            engine.Instance.Tick();
            var pending = Assert.Single(engine.Instance.Outcalls.Pending);
            Assert.True(engine.Instance.Outcalls.Mock(pending.Subnet.Id, pending.Id, responses));
            return CandidBinary.Decode(Reply(engine.Instance.Await(message, out _)!), CandidType.Text).AsText();
        }

        static OutcallResult Body(string text) => new(new HttpOutcallResponse(200, [], Encoding.UTF8.GetBytes(text)), null);

        Assert.Equal("#system_transient: down", Mocked(new OutcallResult(null, new CallReject(RejectCode.SysTransient, "down", "x"))));
        Assert.Equal("200 transformed:same", Mocked(Body("same"), Body("same"), Body("same")));
        Assert.StartsWith("#system_transient: No consensus could be reached.", Mocked(Body("a"), Body("b")));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
