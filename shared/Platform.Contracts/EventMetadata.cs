namespace Platform.Contracts;

/// <summary>
/// What every integration event says about itself: its id in the event store (consumers de-duplicate on it), its
/// global sequence, when it happened, who did it from where, and the request it came from.
/// </summary>
public sealed record EventMetadata(
    Guid EventId,
    long Sequence,
    DateTimeOffset OccurredAt,
    string Actor,
    string? ClientAddress,
    string? UserAgent,
    string? RequestId);

/// <summary>Implemented by every integration event, so one consumer (audit) can handle them all.</summary>
public interface IPlatformEvent
{
    EventMetadata Meta { get; }
}
