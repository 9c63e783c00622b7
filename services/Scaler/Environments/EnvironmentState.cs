using Platform.Contracts;

namespace Platform.Scaler.Environments;

/// <summary>
/// An environment as Deploy last reported it (Marten document, id "namespace/environment"), with the Scaler's memory
/// of each service's last decision. The message that set it is remembered, so a redelivered or older one is ignored.
/// </summary>
public sealed class EnvironmentState
{
    public string Id { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string Environment { get; set; } = "";
    public Guid ReleaseId { get; set; }
    public Guid LastEventId { get; set; }
    public long LastSequence { get; set; }
    public DateTimeOffset DeployedAt { get; set; }
    public List<DeployedService> Services { get; set; } = [];

    /// <summary>The last decision per service name.</summary>
    public Dictionary<string, ServiceMemory> Decisions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Canisters that left a service (scaled in, replaced, moved) within the policy's long window: their load went to
    /// the others, so the peaks the policy scales in by still count it.
    /// </summary>
    public List<FormerInstance> Former { get; set; } = [];

    public static string IdOf(string ns, string environment) => $"{ns}/{environment}";
}

/// <summary>A service's last decision and the canisters being replaced (and since when).</summary>
public sealed class ServiceMemory
{
    public DateTimeOffset At { get; set; }
    public string Kind { get; set; } = "";
    public int TargetCount { get; set; }

    /// <summary>The canisters the last decision removes, when it is a scale-in.</summary>
    public List<string> Removing { get; set; } = [];
    public Dictionary<string, DateTimeOffset> Replacing { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A canister that left a service, and when Deploy reported it gone.</summary>
public sealed class FormerInstance
{
    public string Service { get; set; } = "";
    public string CanisterId { get; set; } = "";
    public DateTimeOffset LeftAt { get; set; }
}
