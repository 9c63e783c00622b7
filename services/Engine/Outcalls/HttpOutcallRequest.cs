using System.Text;
using Platform.Candid;
using Platform.Engine.Canisters;
using static Platform.Candid.CandidType;

namespace Platform.Engine.Outcalls;

internal enum HttpOutcallMethod { Get, Head, Post }

internal sealed record HttpHeader(string Name, string Value)
{
    /// <summary>Names plus values in UTF-8, as the IC counts headers against its limits.</summary>
    public static long SizeOf(IEnumerable<HttpHeader> headers) =>
        headers.Sum(h => (long)Encoding.UTF8.GetByteCount(h.Name) + Encoding.UTF8.GetByteCount(h.Value));
}

/// <summary>What a server answered, or what a mock or a transform made of it (the IC's http_request_result).</summary>
internal sealed record HttpOutcallResponse(System.Numerics.BigInteger Status, IReadOnlyList<HttpHeader> Headers, byte[] Body)
{
    public CandidValue ToCandid() => CandidValue.Record(
        ("status", CandidValue.Nat(Status)),
        ("headers", CandidValue.Vec(Headers.Select(h => (CandidValue)CandidValue.Record(("name", CandidValue.Text(h.Name)), ("value", CandidValue.Text(h.Value)))))),
        ("body", CandidValue.Blob(Body)));

    /// <summary>Header names and values plus body, which is what max_response_bytes bounds.</summary>
    public ulong Size => (ulong)(HttpHeader.SizeOf(Headers) + Body.Length);

    public byte[] Encode() => CandidBinary.Encode(HttpOutcallRequest.ResultType, ToCandid());

    public static HttpOutcallResponse FromCandid(CandidValue value)
    {
        var record = value.AsRecord();
        var headers = record["headers"].AsVec().Select(h => new HttpHeader(h.AsRecord()["name"].AsText(), h.AsRecord()["value"].AsText())).ToList();
        return new HttpOutcallResponse(record["status"].AsNat(), headers, record["body"].AsBlob());
    }
}

/// <summary>
/// The management canister's <c>http_request</c> argument, decoded and checked against the IC's limits, with its
/// price. The limits and messages are the replica's (interface specification, "IC method http_request"); a
/// request that breaks one is refused with CANISTER_REJECT before any cycles are taken.
/// </summary>
internal sealed record HttpOutcallRequest(
    string Url, ulong MaxResponseBytes, HttpOutcallMethod Method, IReadOnlyList<HttpHeader> Headers, byte[]? Body,
    FuncValue? Transform, byte[] TransformContext, bool MaxResponseBytesGiven)
{
    /// <summary>The IC's cap, and the default when the canister gives none: 2 MB of headers plus body.</summary>
    public const ulong MaxResponseBytesLimit = 2_000_000;
    public const int MaxRequestBytes = 2_000_000;
    public const int MaxUrlBytes = 8 * 1024;
    public const int MaxHeaders = 64;
    public const int MaxHeaderNameBytes = 8 * 1024;
    public const int MaxHeaderValueBytes = 8 * 1024;
    public const int MaxHeadersBytes = 48 * 1024;

    /// <summary>The IC's price on a 13-node application subnet, n = 13 (interface specification and cycles cost docs):
    /// (3,000,000 + 60,000·n)·n + 400·n per request byte + 800·n per byte of max_response_bytes.</summary>
    private const int SubnetSize = 13;
    public const long BaseFee = (3_000_000L + 60_000L * SubnetSize) * SubnetSize;
    public const long PerRequestByteFee = 400L * SubnetSize;
    public const long PerResponseByteFee = 800L * SubnetSize;

    public static readonly CandidType HeaderType = Record(("name", Text), ("value", Text));

    public static readonly CandidType ResultType = Record(("status", Nat), ("headers", Vec(HeaderType)), ("body", Blob));

    public static readonly CandidType TransformArgsType = Record(("response", ResultType), ("context", Blob));

    public static readonly CandidType ArgsType = Record(
        ("url", Text),
        ("max_response_bytes", Opt(Nat64)),
        ("method", Variant(("get", Null), ("head", Null), ("post", Null))),
        ("headers", Vec(HeaderType)),
        ("body", Opt(Blob)),
        ("transform", Opt(Record(
            ("function", Func([TransformArgsType], [ResultType], FuncModes.Query)),
            ("context", Blob)))),
        ("is_replicated", Opt(Bool)));

    /// <summary>Request bytes as the IC prices them: url, headers, body, transform method name and context.</summary>
    public long RequestSize =>
        Encoding.UTF8.GetByteCount(Url) + HttpHeader.SizeOf(Headers) + (Body?.Length ?? 0) + (Transform is { } t ? Encoding.UTF8.GetByteCount(t.Method) : 0) + TransformContext.Length;

    public UInt128 Cost => (UInt128)(BaseFee + PerRequestByteFee * RequestSize) + (UInt128)PerResponseByteFee * MaxResponseBytes;

    /// <summary>Decodes and checks the argument; a CandidDecodeException is the caller's to map.</summary>
    public static HttpOutcallRequest Parse(byte[] payload, Principal caller, out CallReject? reject)
    {
        var args = CandidBinary.Decode(payload, ArgsType).AsRecord();
        var given = Given(args.Find("max_response_bytes"))?.AsNat();
        var method = args["method"].AsVariant();
        var transform = Given(args.Find("transform"))?.AsRecord();
        var request = new HttpOutcallRequest(
            args["url"].AsText(),
            given is { } g && g <= MaxResponseBytesLimit ? (ulong)g : MaxResponseBytesLimit,
            method.Is("post") ? HttpOutcallMethod.Post : method.Is("head") ? HttpOutcallMethod.Head : HttpOutcallMethod.Get,
            args["headers"].AsVec().Select(h => new HttpHeader(h.AsRecord()["name"].AsText(), h.AsRecord()["value"].AsText())).ToList(),
            Given(args.Find("body"))?.AsBlob(),
            transform?["function"] as FuncValue,
            transform?["context"].AsBlob() ?? [],
            given is not null);
        reject = request.Check(given, caller);
        return request;
    }

    private CallReject? Check(System.Numerics.BigInteger? given, Principal caller)
    {
        if (given is { } g && g > MaxResponseBytesLimit) return Refused($"max_response_bytes expected to be in the range [0..{MaxResponseBytesLimit}], got {g}");
        var urlBytes = Encoding.UTF8.GetByteCount(Url);
        if (urlBytes > MaxUrlBytes) return Refused($"url size {urlBytes} exceeds the limit of {MaxUrlBytes} bytes");
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return Refused($"Invalid url {Url}: an absolute https URL is expected");
        }
        if (Headers.Count > MaxHeaders) return Refused($"number of http request headers {Headers.Count} exceeds the limit of {MaxHeaders}");
        var total = 0L;
        foreach (var header in Headers)
        {
            var name = Encoding.UTF8.GetByteCount(header.Name);
            var value = Encoding.UTF8.GetByteCount(header.Value);
            if (name > MaxHeaderNameBytes) return Refused($"http request header name of {name} bytes exceeds the limit of {MaxHeaderNameBytes} bytes");
            if (value > MaxHeaderValueBytes) return Refused($"http request header value of {value} bytes exceeds the limit of {MaxHeaderValueBytes} bytes");
            total += name + value;
        }
        if (total > MaxHeadersBytes) return Refused($"http request headers of {total} bytes exceed the limit of {MaxHeadersBytes} bytes");
        if (RequestSize > MaxRequestBytes) return Refused($"http_request request size {RequestSize} exceeds the limit of {MaxRequestBytes} bytes");
        if (Transform is { } transform && transform.Service != caller)
        {
            return Refused($"transform function {transform.Method} must be a query of the calling canister {caller}, not of {transform.Service}");
        }
        return null;
    }

    private static CallReject Refused(string message) => new(RejectCode.CanisterReject, message, "CanisterRejectedMessage");

    private static CandidValue? Given(CandidValue? value) => value is OptValue opt ? opt.Value : null;
}
