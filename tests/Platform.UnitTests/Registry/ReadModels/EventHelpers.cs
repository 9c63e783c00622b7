using JasperFx.Events;

namespace Platform.UnitTests.Registry.ReadModels;

/// <summary>Wraps event data the way Marten hands it to a projection's Create/Apply methods.</summary>
internal static class EventHelpers
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    public static IEvent<T> At<T>(T data, DateTimeOffset timestamp) where T : notnull =>
        new Event<T>(data) { Timestamp = timestamp };

    public static IEvent<T> At<T>(T data, int seconds) where T : notnull => At(data, T0.AddSeconds(seconds));
}
