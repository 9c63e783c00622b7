using JasperFx;
using JasperFx.Events;
using Marten.Exceptions;

namespace Platform.Registry.Writing;

/// <summary>
/// Appends to one stream from concurrent requests (layers of one image uploaded in parallel all link into the
/// repository stream) race on the stream version; the loser re-reads and decides again.
/// </summary>
internal static class ConcurrencyRetry
{
    public static async Task<T> RunAsync<T>(Func<Task<T>> attempt, CancellationToken ct, int attempts = 20)
    {
        for (var i = 1; ; i++)
        {
            try
            {
                return await attempt();
            }
            catch (Exception ex) when (i < attempts && IsConflict(ex))
            {
                await Task.Delay(Random.Shared.Next(5, 20 * i), ct);
            }
        }
    }

    private static bool IsConflict(Exception ex) =>
        ex is ConcurrencyException or EventStreamUnexpectedMaxEventIdException
            or JasperFx.Events.ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException
        || (ex is MartenCommandException { InnerException: Npgsql.PostgresException { SqlState: "23505" } });
}
