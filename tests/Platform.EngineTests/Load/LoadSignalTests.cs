using System.Diagnostics;
using System.Diagnostics.Metrics;
using Platform.Candid;
using Platform.Engine.Load;
using static Platform.EngineTests.EngineHarness;

namespace Platform.EngineTests.Load;

/// <summary>Every test canister gets the same ids in every instance, and the meter and activity source are
/// process-wide: these tests run alone so that what they observe is theirs.</summary>
[CollectionDefinition(nameof(EngineTelemetryCollection), DisableParallelization = true)]
public sealed class EngineTelemetryCollection;

/// <summary>Load samples, the "Platform.Engine" instruments and the spans of a call chain across subnets.</summary>
[Collection(nameof(EngineTelemetryCollection))]
public sealed class LoadSignalTests
{
    [Fact]
    public void A_sample_per_subnet_counts_messages_instructions_traps_memory_queue_and_calls_then_starts_again()
    {
        using var engine = new EngineHarness();
        var counter = engine.Install(Fixtures.Wasm("counter"), Nat(0), engine.SubnetA);
        var caller = engine.Install(Fixtures.Wasm("caller"), NoArgs, engine.SubnetB);
        var start = DateTimeOffset.UtcNow;
        LoadSnapshot.Take(engine.Instance, start, start.AddSeconds(1)); // installs are not part of the window

        for (var i = 0; i < 20; i++) Reply(engine.Update(Alice, counter, "inc", NoArgs));
        Reject(engine.Update(Alice, counter, "incThenTrap", NoArgs));
        var arg = CandidBinary.Encode(CandidType.Principal, CandidValue.Principal(counter));
        Reply(engine.Update(Alice, caller, "incOther", arg));
        Reply(engine.Update(Alice, caller, "incOther", arg));
        // Queued, not executed: the queue depth at the end of the window.
        engine.Instance.Submit(Alice, counter, "inc", NoArgs, null);
        engine.Instance.Submit(Alice, counter, "inc", NoArgs, null);

        var samples = LoadSnapshot.Take(engine.Instance, start, start.AddSeconds(2));
        Assert.Equal(2, samples.Count);
        var a = samples.Single(s => s.SubnetId == engine.SubnetA.Id.ToString());
        Assert.Equal(("0", "Application"), (a.InstanceId, a.SubnetKind));
        var hot = Assert.Single(a.Canisters);
        Assert.Equal(counter.ToString(), hot.CanisterId);
        // 20 inc + 1 trapped + 2 inc from the caller, over 2 s
        Assert.Equal(23 / 2.0, hot.MessagesPerSecond);
        Assert.True(hot.InstructionsPerSecond > 1000, $"instructions/s {hot.InstructionsPerSecond}");
        Assert.Equal(1, hot.Traps);
        Assert.Equal(2, hot.QueueDepth);
        Assert.Equal("running", hot.Status);
        Assert.Equal(engine.Instance.FindCanister(counter)!.MemorySize, hot.MemoryBytes);
        Assert.Empty(a.Calls);

        var b = samples.Single(s => s.SubnetId == engine.SubnetB.Id.ToString());
        var edge = Assert.Single(b.Calls);
        Assert.Equal((caller.ToString(), counter.ToString(), 2L), (edge.Caller, edge.Callee, edge.Calls));
        // two calls and two responses executed on the caller
        Assert.Equal(4 / 2.0, Assert.Single(b.Canisters).MessagesPerSecond);

        var quiet = LoadSnapshot.Take(engine.Instance, start.AddSeconds(2), start.AddSeconds(3));
        Assert.All(quiet.SelectMany(s => s.Canisters), c => Assert.Equal(0, c.MessagesPerSecond));
        Assert.All(quiet, s => Assert.Empty(s.Calls));
    }

    [Fact]
    public void The_platform_engine_meter_counts_per_subnet_and_canister()
    {
        using var engine = new EngineHarness();
        var counter = engine.Install(Fixtures.Wasm("counter"), Nat(0), engine.SubnetA);
        var caller = engine.Install(Fixtures.Wasm("caller"), NoArgs, engine.SubnetB);
        var seen = new List<(string Instrument, long Value, Dictionary<string, string?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EngineTelemetry.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (seen) seen.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString())));
        });
        listener.Start();

        for (var i = 0; i < 5; i++) Reply(engine.Update(Alice, counter, "inc", NoArgs));
        Reject(engine.Update(Alice, counter, "incThenTrap", NoArgs));
        Reply(engine.Update(Alice, caller, "incOther", CandidBinary.Encode(CandidType.Principal, CandidValue.Principal(counter))));

        bool On(Dictionary<string, string?> tags) => tags.GetValueOrDefault("canister") == counter.ToString() && tags.GetValueOrDefault("subnet") == engine.SubnetA.Id.ToString();
        List<(string Instrument, long Value, Dictionary<string, string?> Tags)> snapshot;
        lock (seen) snapshot = [.. seen];
        Assert.Equal(7, snapshot.Where(m => m.Instrument == "platform.engine.messages" && On(m.Tags)).Sum(m => m.Value));
        Assert.Equal(1, snapshot.Where(m => m.Instrument == "platform.engine.traps" && On(m.Tags)).Sum(m => m.Value));
        Assert.True(snapshot.Where(m => m.Instrument == "platform.engine.instructions" && On(m.Tags)).Sum(m => m.Value) > 1000);
        var call = Assert.Single(snapshot, m => m.Instrument == "platform.engine.calls");
        Assert.Equal((caller.ToString(), counter.ToString(), 1L), (call.Tags["caller"], call.Tags["callee"], call.Value));

        // The gauges report the newest sample.
        var samples = LoadSnapshot.Take(engine.Instance, DateTimeOffset.UtcNow.AddSeconds(-1), DateTimeOffset.UtcNow);
        var previous = EngineTelemetry.LatestSamples;
        EngineTelemetry.LatestSamples = () => samples;
        try
        {
            lock (seen) seen.Clear();
            listener.RecordObservableInstruments();
            lock (seen) snapshot = [.. seen];
        }
        finally { EngineTelemetry.LatestSamples = previous; }
        var memory = Assert.Single(snapshot, m => m.Instrument == "platform.engine.memory" && On(m.Tags));
        Assert.Equal(engine.Instance.FindCanister(counter)!.MemorySize, memory.Value);
        Assert.Equal("0", memory.Tags["instance"]);
        Assert.Contains(snapshot, m => m.Instrument == "platform.engine.queue_depth" && On(m.Tags) && m.Value == 0);
    }

    [Fact]
    public void A_call_across_subnets_is_one_trace_with_the_call_as_a_child_span()
    {
        using var engine = new EngineHarness();
        var counter = engine.Install(Fixtures.Wasm("counter"), Nat(0), engine.SubnetA);
        var caller = engine.Install(Fixtures.Wasm("caller"), NoArgs, engine.SubnetB);
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Platform",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (spans) spans.Add(activity); },
        };
        ActivitySource.AddActivityListener(listener);

        // The ingress request's span (the REST call's, in the service) is the root.
        using var root = new Activity("test request").Start();
        Reply(engine.Update(Alice, caller, "incOther", CandidBinary.Encode(CandidType.Principal, CandidValue.Principal(counter))));
        root.Stop();

        List<Activity> trace;
        lock (spans) trace = spans.Where(s => s.TraceId == root.TraceId).ToList();
        var ingress = Assert.Single(trace, s => s.GetTagItem("canister.message") as string == "ingress");
        Assert.Equal(root.SpanId, ingress.ParentSpanId);
        Assert.Equal((caller.ToString(), engine.SubnetB.Id.ToString(), "incOther"),
            (ingress.GetTagItem("canister.id"), ingress.GetTagItem("canister.subnet"), ingress.GetTagItem("canister.method")));

        var call = Assert.Single(trace, s => s.Kind == ActivityKind.Client);
        Assert.Equal(ingress.SpanId, call.ParentSpanId);
        Assert.Equal(counter.ToString(), call.GetTagItem("canister.callee"));

        var request = Assert.Single(trace, s => s.GetTagItem("canister.message") as string == "request");
        Assert.Equal(call.SpanId, request.ParentSpanId);
        Assert.Equal((counter.ToString(), engine.SubnetA.Id.ToString(), "inc"),
            (request.GetTagItem("canister.id"), request.GetTagItem("canister.subnet"), request.GetTagItem("canister.method")));

        var response = Assert.Single(trace, s => s.GetTagItem("canister.message") as string == "response");
        Assert.Equal(call.SpanId, response.ParentSpanId);
        Assert.Equal(caller.ToString(), response.GetTagItem("canister.id"));
        // The call span lasts until its response is delivered.
        Assert.True(call.StartTimeUtc <= request.StartTimeUtc && call.StartTimeUtc + call.Duration >= request.StartTimeUtc + request.Duration);
    }
}
