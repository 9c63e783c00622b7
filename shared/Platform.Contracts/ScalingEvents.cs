namespace Platform.Contracts;

// The contract between Deploy (which owns environments and carries out releases) and the Scaler (which decides
// replica and shard counts). Deploy says what each service may scale within; the Scaler says what it decided;
// Deploy applies a decision as a release of its own. Every message is the whole state or one decision, so a
// duplicate changes nothing (consumers de-duplicate on Meta.EventId, or on DecisionId for decisions).

/// <summary>
/// An environment's services as deployed by its latest successful release, published by Deploy after every release
/// that ends (succeeded or rolled back) and when an environment is deleted (<paramref name="Deleted"/>, no services).
/// </summary>
public sealed record EnvironmentDeployedV1(
    EventMetadata Meta,
    string Namespace,
    string Environment,
    Guid ReleaseId,
    bool Deleted,
    IReadOnlyList<DeployedService> Services) : IPlatformEvent;

/// <summary>
/// Deploy's <c>GET /internal/v1/scaling/environments</c>: every environment as the <see cref="EnvironmentDeployedV1"/>
/// it would publish now (each with <paramref name="Sequence"/>, read before them), for a Scaler that starts after they
/// were deployed.
/// </summary>
public sealed record ScalingEnvironmentsV1(long Sequence, IReadOnlyList<EnvironmentDeployedV1> Environments)
{
    /// <summary>Where Deploy answers with it (not routed by the gateway).</summary>
    public const string Path = "/internal/v1/scaling/environments";
}

/// <summary>One service of an environment: its instances (replicas or shards) and the bounds the Scaler keeps to.</summary>
/// <param name="Name">The service's name in the environment file.</param>
/// <param name="ModuleDigest">The manifest digest of the module version it runs.</param>
/// <param name="ModuleHash">"sha256:&lt;hex&gt;" of the installed wasm.</param>
/// <param name="Instances">Its canisters now: replicas, or shards in shard order.</param>
/// <param name="Replicas">`replicas: { min, max }`, or null when the service does not scale.</param>
/// <param name="Scaling">`scaling:`, or null for the defaults.</param>
/// <param name="Sharding">`sharding:`, or null when the service is not sharded.</param>
public sealed record DeployedService(
    string Name,
    string ModuleDigest,
    string ModuleHash,
    IReadOnlyList<ServiceInstance> Instances,
    ReplicaBounds? Replicas,
    ScalingPolicy? Scaling,
    ShardingPolicy? Sharding);

/// <summary>One canister of a service and where it runs.</summary>
public sealed record ServiceInstance(string CanisterId, string SubnetId, int? Shard);

public sealed record ReplicaBounds(int Min, int Max);

/// <param name="Target">Utilisation the Scaler aims for, 0..1 (default 0.6).</param>
/// <param name="Metric">"instructions", "messages" or "queue".</param>
/// <param name="Cooldown">Least time between two decisions for the service (default 60 s), except that a scale-out may
/// follow a scale-out as soon as the new replicas report, and a scale-out may follow a scale-in at once when the demand
/// is above what the instances can execute at all (utilisation above 100 %); a scale-in never follows a scale-out
/// within it. Replacements of unhealthy instances, moves off a subnet over capacity and bringing the count inside
/// min/max do not wait for it.</param>
public sealed record ScalingPolicy(double Target, string Metric, TimeSpan Cooldown);

/// <param name="Key">The shard key's name (text).</param>
public sealed record ShardingPolicy(string Key, int MinShards, int MaxShards);

/// <summary>What every Scaler decision carries: which service, why (the signal values), and its own id.</summary>
/// <param name="DecisionId">Deploy applies a decision once per id.</param>
/// <param name="Signals">The signal values that caused it, by name (e.g. "utilisation", "instructionsPerSecond").</param>
public sealed record ScalingDecision(
    Guid DecisionId,
    string Namespace,
    string Environment,
    string Service,
    IReadOnlyDictionary<string, double> Signals,
    string Reason);

/// <summary>Add replicas: one new canister per entry of <paramref name="Subnets"/>, on that subnet.</summary>
public sealed record ScaleOutDecidedV1(EventMetadata Meta, ScalingDecision Decision, int From, int To, IReadOnlyList<string> Subnets) : IPlatformEvent;

/// <summary>Remove replicas: these canisters leave discovery, then are stopped and deleted.</summary>
public sealed record ScaleInDecidedV1(EventMetadata Meta, ScalingDecision Decision, int From, int To, IReadOnlyList<string> CanisterIds) : IPlatformEvent;

/// <summary>Split a sharded service to <paramref name="ToShards"/> shards; new shards go on <paramref name="Subnets"/>.</summary>
public sealed record ShardSplitDecidedV1(EventMetadata Meta, ScalingDecision Decision, int FromShards, int ToShards, IReadOnlyList<string> Subnets) : IPlatformEvent;

/// <summary>Replace an unhealthy canister (trapping, not answering, stopped) with a new one on <paramref name="Subnet"/>.</summary>
public sealed record ReplicaReplacedV1(EventMetadata Meta, ScalingDecision Decision, string OldCanisterId, string Subnet) : IPlatformEvent;
