using System.Diagnostics;
using System.Diagnostics.Metrics;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.SystemApi;

namespace Platform.Engine.Load;

/// <summary>
/// The engine's instruments (meter "Platform.Engine", exported with every "Platform*" meter) and spans (source
/// "Platform"): one span per executed message, a child span per inter-canister call that lasts until its response
/// is delivered, so a chain of calls across canisters and subnets is one trace.
/// </summary>
internal static class EngineTelemetry
{
    public const string MeterName = "Platform.Engine";

    public static readonly ActivitySource Source = new(global::Platform.Hosting.Observability.Telemetry.SourceName);
    public static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Executions = Meter.CreateCounter<long>(
        "platform.engine.messages", "{message}", "Executed messages: ingress, calls, responses, timers, queries");
    private static readonly Counter<long> Instructions = Meter.CreateCounter<long>(
        "platform.engine.instructions", "{instruction}", "Instructions (Wasmtime fuel) spent executing messages");
    private static readonly Counter<long> Traps = Meter.CreateCounter<long>(
        "platform.engine.traps", "{execution}", "Executions that trapped (state rolled back)");
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "platform.engine.calls", "{call}", "Calls from one canister to another (the call graph's edges)");

    /// <summary>Gauges read the newest load sample (refreshed every Engine:LoadSampleInterval).</summary>
    public static Func<IEnumerable<Platform.Contracts.EngineLoadSampleV1>> LatestSamples { get; set; } = () => [];

    static EngineTelemetry()
    {
        Meter.CreateObservableGauge("platform.engine.memory", () => Observe(c => c.MemoryBytes), "By", "Heap plus stable memory per canister");
        Meter.CreateObservableGauge("platform.engine.queue_depth", () => Observe(c => c.QueueDepth), "{message}", "Messages waiting for a canister");
    }

    private static IEnumerable<Measurement<long>> Observe(Func<Platform.Contracts.CanisterLoad, long> value) =>
        LatestSamples().SelectMany(s => s.Canisters.Select(c => new Measurement<long>(value(c),
            new KeyValuePair<string, object?>("instance", s.InstanceId), new KeyValuePair<string, object?>("subnet", s.SubnetId),
            new KeyValuePair<string, object?>("canister", c.CanisterId))));

    /// <summary>One execution of canister code finished (called by the sandbox for every entry point).</summary>
    public static void Executed(ApiContext context, bool trapped)
    {
        var load = context.Canister.Load;
        load.Record(context.InstructionsUsed, trapped);
        var subnet = new KeyValuePair<string, object?>("subnet", load.SubnetTag);
        var canister = new KeyValuePair<string, object?>("canister", load.CanisterTag);
        Executions.Add(1, subnet, canister);
        if (context.InstructionsUsed > 0) Instructions.Add(context.InstructionsUsed, subnet, canister);
        if (trapped) Traps.Add(1, subnet, canister);
    }

    /// <summary>
    /// <paramref name="caller"/> made a call: counted on the call graph, and a client span is started under the
    /// current message's span (without becoming current: the execution goes on under its own span).
    /// </summary>
    public static Activity? CallMade(Canister caller, Principal callee, string method)
    {
        caller.Load.CallTo(callee);
        Calls.Add(1, new KeyValuePair<string, object?>("caller", caller.Load.CanisterTag), new KeyValuePair<string, object?>("callee", callee.ToString()));
        var current = Activity.Current;
        if (current is null || !Source.HasListeners()) return null;
        var span = Source.StartActivity($"call {method}", ActivityKind.Client, current.Context);
        Activity.Current = current;
        span?.SetTag("canister.caller", caller.Load.CanisterTag);
        span?.SetTag("canister.callee", callee.ToString());
        span?.SetTag("canister.method", method);
        return span;
    }

    /// <summary>The span of one message's execution on <paramref name="receiver"/> (null without a listener).</summary>
    public static Activity? StartMessage(string kind, string receiver, string subnet, string? method, ActivityContext parent)
    {
        if (!Source.HasListeners()) return null;
        var activity = Source.StartActivity($"{kind} {method}".TrimEnd(), ActivityKind.Server, parent);
        if (activity is null) return null;
        activity.SetTag("canister.id", receiver);
        activity.SetTag("canister.subnet", subnet);
        activity.SetTag("canister.message", kind);
        if (method is not null) activity.SetTag("canister.method", method);
        return activity;
    }
}

/// <summary>A canister's load since the last sample: what <see cref="LoadSampler"/> turns into rates.</summary>
internal sealed class CanisterLoadCounters(Principal canister, Principal subnet)
{
    private readonly Lock _callsLock = new();
    private long _messages, _instructions, _traps;
    private Dictionary<Principal, long> _calls = [];

    public string CanisterTag { get; } = canister.ToString();
    public string SubnetTag { get; } = subnet.ToString();

    // A canister executes on one subnet thread at a time and the sampler reads under the instance's gate, so
    // plain fields would do; Interlocked keeps the counters exact even if a reader comes in between.
    public void Record(long instructions, bool trapped)
    {
        Interlocked.Increment(ref _messages);
        Interlocked.Add(ref _instructions, Math.Max(0, instructions));
        if (trapped) Interlocked.Increment(ref _traps);
    }

    public void CallTo(Principal callee)
    {
        lock (_callsLock) _calls[callee] = _calls.GetValueOrDefault(callee) + 1;
    }

    /// <summary>The counts since the previous call, which start again from zero.</summary>
    public (long Messages, long Instructions, long Traps, Dictionary<Principal, long> Calls) Take()
    {
        Dictionary<Principal, long> calls;
        lock (_callsLock) (calls, _calls) = (_calls, []);
        return (Interlocked.Exchange(ref _messages, 0), Interlocked.Exchange(ref _instructions, 0), Interlocked.Exchange(ref _traps, 0), calls);
    }
}
