using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Subnets;

namespace Platform.Engine.Outcalls;

/// <summary>An accepted http_request waiting for its answer.</summary>
internal sealed class PendingOutcall(long id, Subnet subnet, Principal caller, CallOrigin origin, UInt128 refund, HttpOutcallRequest request)
{
    public long Id { get; } = id;
    public Subnet Subnet { get; } = subnet;
    public Principal Caller { get; } = caller;
    public CallOrigin Origin { get; } = origin;
    public UInt128 Refund { get; } = refund;
    public HttpOutcallRequest Request { get; } = request;

    /// <summary>The real request, started when the management canister accepted the call (allowed hosts only).</summary>
    public Task<OutcallResult>? Real { get; init; }

    /// <summary>Why the engine cannot perform it (a host outside the allow-list), or null.</summary>
    public CallReject? Refusal { get; init; }

    /// <summary>What to deliver next round instead of the real answer: a mock (one per replica) or the refusal.</summary>
    public IReadOnlyList<OutcallResult>? Settled { get; set; }
}

/// <summary>
/// An instance's HTTPS outcalls, as the IC runs them: the management canister accepts a canister's
/// <c>http_request</c> (limits checked, cycles charged) and the answer comes in a later round, after the
/// canister's transform function ran on it. An outcall to an allowed host is performed for real; one to another
/// host stays pending so a test can answer it through PocketIC's <c>mock_canister_http</c>, until something awaits
/// an ingress message, which answers it with the IC's SYS_TRANSIENT reject (nothing else could answer it then).
/// A mock given before the next round replaces the real answer.
/// </summary>
internal sealed class HttpOutcalls(EngineInstance instance, OutcallAdapter adapter)
{
    private readonly List<PendingOutcall> _pending = [];
    private long _nextId = -1;

    /// <summary>Requests not answered yet, as <c>get_canister_http</c> lists them.</summary>
    public IEnumerable<PendingOutcall> Pending => _pending.Where(p => p.Settled is null);

    public bool HasPending => _pending.Count > 0;

    /// <summary>
    /// The management canister's <c>http_request</c>. Returns the reject for a refused call (nothing charged),
    /// or null: the call is pending and <paramref name="charged"/> cycles were taken from those attached.
    /// </summary>
    public CallReject? Accept(CallOrigin origin, Principal caller, Subnet? subnet, byte[] payload, UInt128 cycles, out UInt128 charged)
    {
        charged = 0;
        if (origin is not CanisterOrigin || subnet is null)
        {
            return new CallReject(RejectCode.CanisterReject, "Only canisters can call ic00 method http_request", "CanisterRejectedMessage");
        }
        var request = HttpOutcallRequest.Parse(payload, caller, out var reject);
        if (reject is not null) return reject;
        var cost = request.Cost;
        if (cycles < cost)
        {
            return new CallReject(RejectCode.CanisterReject, $"http_request request sent with {cycles} cycles, but {cost} cycles are required.", "CanisterRejectedMessage");
        }
        charged = cost;
        var refusal = adapter.Refusal(request);
        _pending.Add(new PendingOutcall(Interlocked.Increment(ref _nextId), subnet, caller, origin, cycles - cost, request)
        {
            Real = refusal is null ? adapter.PerformAsync(request) : null,
            Refusal = refusal,
        });
        return null;
    }

    /// <summary>Answers pending request <paramref name="requestId"/> of <paramref name="subnetId"/> with mocked responses
    /// (the first, then one per further replica); false when there is no such pending request.</summary>
    public bool Mock(Principal subnetId, long requestId, IReadOnlyList<OutcallResult> responses)
    {
        var pending = Pending.FirstOrDefault(p => p.Id == requestId && p.Subnet.Id == subnetId);
        if (pending is null) return false;
        pending.Settled = responses;
        return true;
    }

    /// <summary>Awaiting: outcalls nobody can perform are answered with their reject in the next round.</summary>
    public void RefuseUnperformable()
    {
        foreach (var pending in Pending.Where(p => p.Real is null && p.Refusal is not null))
        {
            pending.Settled = [new OutcallResult(null, pending.Refusal)];
        }
    }

    /// <summary>
    /// At the start of a round: every outcall with an answer (mocked, refused, or performed; a real request still
    /// running is waited for, up to the adapter's timeout) gets it, transformed, with the unspent cycles.
    /// </summary>
    public void Deliver(ulong time, ExecutionOutput output)
    {
        for (var i = 0; i < _pending.Count;)
        {
            var pending = _pending[i];
            var answers = pending.Settled ?? (pending.Real is { } real ? [real.GetAwaiter().GetResult()] : null);
            if (answers is null) { i++; continue; }
            _pending.RemoveAt(i);
            output.Respond(pending.Origin, Principal.ManagementCanister, Finish(pending, answers, time), pending.Refund);
        }
    }

    private CallResult Finish(PendingOutcall pending, IReadOnlyList<OutcallResult> answers, ulong time)
    {
        var results = answers.Select(a => Transform(pending, a, time)).ToList();
        var first = results[0];
        if (results.Skip(1).Any(r => !SameResult(r, first)))
        {
            return new CallReject(RejectCode.SysTransient,
                "No consensus could be reached. Replicas had different responses. Details: the transformed responses of the replicas differ.", "CanisterHttpRequestFailed");
        }
        return first;
    }

    private static bool SameResult(CallResult a, CallResult b) => (a, b) switch
    {
        (CallReply x, CallReply y) => x.Data.AsSpan().SequenceEqual(y.Data),
        (CallReject x, CallReject y) => x.Code == y.Code && x.Message == y.Message,
        _ => false,
    };

    private CallResult Transform(PendingOutcall pending, OutcallResult answer, ulong time)
    {
        if (answer.Reject is { } reject) return reject;
        var response = answer.Response!;
        var limit = pending.Request.MaxResponseBytes;
        if (response.Size > limit)
        {
            return new CallReject(RejectCode.SysTransient, $"Http body exceeds size limit of {limit} bytes.", "CanisterHttpRequestFailed");
        }
        if (pending.Request.Transform is not { } function) return new CallReply(response.Encode());

        var canister = instance.FindCanister(pending.Caller);
        if (canister is null) return CallReject.CanisterNotFound(pending.Caller.ToString());
        var argument = CandidBinary.Encode(HttpOutcallRequest.TransformArgsType,
            CandidValue.Record(("response", response.ToCandid()), ("context", CandidValue.Blob(pending.Request.TransformContext))));
        // The IC runs the transform as a query from the management canister; whatever it changes is discarded.
        var transformed = instance.Executor.ExecuteQuery(canister, Principal.ManagementCanister, function.Method, argument, time);
        if (transformed is not CallReply reply) return transformed;
        HttpOutcallResponse result;
        try
        {
            result = HttpOutcallResponse.FromCandid(CandidBinary.Decode(reply.Data, HttpOutcallRequest.ResultType));
        }
        catch (Exception e) when (e is CandidDecodeException or InvalidCastException or KeyNotFoundException)
        {
            return new CallReject(RejectCode.CanisterError,
                $"Transform function {function.Method} of canister {canister.Id} returned an invalid http_request_result: {e.Message}", "CanisterContractViolation");
        }
        if (result.Size > limit)
        {
            return new CallReject(RejectCode.SysTransient, $"Transformed http response exceeds limit: {limit}", "CanisterHttpRequestFailed");
        }
        return new CallReply(result.Encode());
    }
}
