using JasperFx.Events;
using Platform.Contracts;

namespace Platform.Scaler.Decisions;

/// <summary>
/// A decision as stored in the Scaler's stream of the service ("namespace/environment/service", schema scaler).
/// <paramref name="Kind"/> is "scale-out", "scale-in", "shard-split" or "replace"; the event's id, sequence and time
/// come from the event store, like every integration event's metadata.
/// </summary>
public sealed record ScalingDecided(
    ScalingDecision Decision,
    string Kind,
    int From,
    int To,
    IReadOnlyList<string> Subnets,
    IReadOnlyList<string> CanisterIds);

/// <summary>One decision as the API lists it (a document written with the event, in the same transaction).</summary>
public sealed class DecisionRecord
{
    public Guid Id { get; set; }
    public string Namespace { get; set; } = "";
    public string Environment { get; set; } = "";
    public string Service { get; set; } = "";
    public string Kind { get; set; } = "";
    public DateTimeOffset DecidedAt { get; set; }
    public int From { get; set; }
    public int To { get; set; }
    public List<string> Subnets { get; set; } = [];
    public List<string> CanisterIds { get; set; } = [];
    public Dictionary<string, double> Signals { get; set; } = [];
    public string Reason { get; set; } = "";
}

/// <summary>The stored decision as the contract Deploy, the audit log and anyone else consume.</summary>
internal static class DecisionEvents
{
    public const string ScaleOut = "scale-out";
    public const string ScaleIn = "scale-in";
    public const string ShardSplit = "shard-split";
    public const string Replace = "replace";

    public static IPlatformEvent? From(IEvent e)
    {
        if (e.Data is not ScalingDecided d)
            return null;
        var meta = new EventMetadata(e.Id, e.Sequence, e.Timestamp, "scaler", null, null, e.CorrelationId);
        return d.Kind switch
        {
            ScaleOut => new ScaleOutDecidedV1(meta, d.Decision, d.From, d.To, d.Subnets),
            ScaleIn => new ScaleInDecidedV1(meta, d.Decision, d.From, d.To, d.CanisterIds),
            ShardSplit => new ShardSplitDecidedV1(meta, d.Decision, d.From, d.To, d.Subnets),
            Replace => new ReplicaReplacedV1(meta, d.Decision, d.CanisterIds[0], d.Subnets[0]),
            _ => null,
        };
    }
}
