namespace Platform.Contracts;

/// <summary>
/// One subnet's load over one sampling window, published by the engine every few seconds (one message per subnet)
/// for the Scaler. A measurement, not an event: it is not stored, not audited, and a lost or repeated sample only
/// shifts an average, so consumers keep the newest per (instance, subnet) by <see cref="WindowEnd"/>.
/// </summary>
/// <param name="InstanceId">The engine instance (the long-lived one is named "platform").</param>
/// <param name="SubnetId">The subnet's principal, textual.</param>
/// <param name="SubnetKind">"Application", "System", "NNS", ... as in PocketIC's topology.</param>
/// <param name="WindowStart">Start of the window the counters cover.</param>
/// <param name="WindowEnd">End of the window.</param>
/// <param name="Canisters">Every canister on the subnet that exists at the end of the window.</param>
/// <param name="Calls">Calls between canisters started in the window (the call graph's edges), caller to callee.</param>
public sealed record EngineLoadSampleV1(
    string InstanceId,
    string SubnetId,
    string SubnetKind,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    IReadOnlyList<CanisterLoad> Canisters,
    IReadOnlyList<CallEdge> Calls);

/// <summary>One canister's share of a sample window. Rates are per second over the window.</summary>
/// <param name="CanisterId">Textual principal.</param>
/// <param name="MessagesPerSecond">Executed messages (ingress, inter-canister requests and responses, queries).</param>
/// <param name="InstructionsPerSecond">Instructions (Wasmtime fuel) spent.</param>
/// <param name="MemoryBytes">Heap plus stable memory at the end of the window.</param>
/// <param name="QueueDepth">Messages waiting for this canister at the end of the window.</param>
/// <param name="Traps">Executions that trapped in the window.</param>
/// <param name="Status">"running", "stopping" or "stopped".</param>
public sealed record CanisterLoad(
    string CanisterId,
    double MessagesPerSecond,
    double InstructionsPerSecond,
    long MemoryBytes,
    int QueueDepth,
    long Traps,
    string Status);

/// <summary>Calls from one canister to another in a window; the callee may be on another subnet.</summary>
public sealed record CallEdge(string Caller, string Callee, long Calls);
