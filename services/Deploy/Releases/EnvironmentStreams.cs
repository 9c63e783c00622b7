using Marten;
using Npgsql;

namespace Platform.Deploy.Releases;

/// <summary>An environment as its stream says now, with its latest release (null when it never had one).</summary>
internal sealed record EnvironmentSnapshot(string Stream, EnvironmentState Environment, ReleaseState? Latest);

/// <summary>
/// The background loops' view of every environment: drift reconciliation, approval expiry and resuming releases after a
/// restart each look at each environment's latest release (only the latest can be unfinished: an apply or delete is
/// refused while one is).
/// </summary>
internal static class EnvironmentStreams
{
    public static async IAsyncEnumerable<EnvironmentSnapshot> LatestAsync(IDocumentStore store, NpgsqlDataSource database,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var streams = new List<string>();
        await using (var command = database.CreateCommand("SELECT id FROM deploy.mt_streams WHERE id LIKE 'env:%' ORDER BY id"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                streams.Add(reader.GetString(0));
        foreach (var stream in streams)
        {
            await using var query = store.QuerySession();
            var env = await query.Events.AggregateStreamAsync<EnvironmentState>(stream, token: ct);
            if (env is null) continue;
            var latest = env.LatestReleaseId is { } id ? await query.Events.AggregateStreamAsync<ReleaseState>(Streams.Release(id), token: ct) : null;
            yield return new EnvironmentSnapshot(stream, env, latest);
        }
    }
}
