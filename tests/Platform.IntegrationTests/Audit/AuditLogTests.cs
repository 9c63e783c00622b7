using Npgsql;
using Platform.Audit.Log;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Audit;

/// <summary>The audit log on a real PostgreSQL: append-only chain, de-duplication, tamper detection, paging.</summary>
public sealed class AuditLogTests
{
    private static async Task<(AuditLog Log, NpgsqlDataSource Source)> NewLogAsync()
    {
        var source = NpgsqlDataSource.Create(await TestDatabase.CreateAsync("audit"));
        var log = new AuditLog(source);
        await log.EnsureSchemaAsync(CancellationToken.None);
        return (log, source);
    }

    private static AuditRecord Record(string action, string? repository = "team/app", Guid? id = null, string actor = "anonymous") =>
        new(id ?? Guid.NewGuid(), DateTimeOffset.UtcNow, actor, "127.0.0.1", "test", action, repository, "sha256:" + new string('a', 64), null, "req");

    [Fact]
    public async Task Concurrent_appends_form_one_gapless_valid_chain_and_duplicates_are_recorded_once()
    {
        var (log, source) = await NewLogAsync();
        await using var _ = source;
        var duplicated = Guid.NewGuid();
        var appends = Enumerable.Range(0, 40).Select(i => log.AppendAsync(Record($"a.{i}"), default))
            .Append(log.AppendAsync(Record("dup", id: duplicated), default))
            .Append(log.AppendAsync(Record("dup", id: duplicated), default));
        var results = await Task.WhenAll(appends);

        Assert.Equal(41, results.Count(r => r));
        var verify = await log.VerifyAsync(default);
        Assert.True(verify.Valid);
        Assert.Equal(41, verify.Checked);
    }

    [Fact]
    public async Task Changing_one_row_by_hand_is_reported_at_that_rows_sequence()
    {
        var (log, source) = await NewLogAsync();
        await using var _ = source;
        for (var i = 0; i < 10; i++)
            await log.AppendAsync(Record($"a.{i}"), default);
        Assert.True((await log.VerifyAsync(default)).Valid);

        await using (var tamper = source.CreateCommand("UPDATE audit.entries SET actor = 'mallory' WHERE sequence = 6"))
            await tamper.ExecuteNonQueryAsync();

        var verify = await log.VerifyAsync(default);
        Assert.False(verify.Valid);
        Assert.Equal(6, verify.FirstInvalidSequence);
    }

    [Fact]
    public async Task Deleting_a_row_is_reported_where_the_gap_is()
    {
        var (log, source) = await NewLogAsync();
        await using var _ = source;
        for (var i = 0; i < 5; i++)
            await log.AppendAsync(Record($"a.{i}"), default);
        await using (var tamper = source.CreateCommand("DELETE FROM audit.entries WHERE sequence = 3"))
            await tamper.ExecuteNonQueryAsync();

        var verify = await log.VerifyAsync(default);
        Assert.False(verify.Valid);
        Assert.Equal(3, verify.FirstInvalidSequence);
    }

    [Fact]
    public async Task Queries_filter_and_page_newest_first_with_a_stable_cursor()
    {
        var (log, source) = await NewLogAsync();
        await using var _ = source;
        for (var i = 1; i <= 7; i++)
            await log.AppendAsync(Record("manifest.pushed", repository: i % 2 == 0 ? "even/repo" : "odd/repo", actor: $"user{i}"), default);

        var first = await log.QueryAsync(new AuditQuery("odd/repo", null, null, null, null, 2, null), default);
        Assert.Equal([7L, 5L], first.Select(e => e.Sequence));
        // A write between pages does not shift the next page.
        await log.AppendAsync(Record("manifest.pushed", repository: "odd/repo"), default);
        var second = await log.QueryAsync(new AuditQuery("odd/repo", null, null, null, null, 2, first[^1].Sequence), default);
        Assert.Equal([3L, 1L], second.Select(e => e.Sequence));

        var byActor = await log.QueryAsync(new AuditQuery(null, null, "user4", null, null, 10, null), default);
        Assert.Equal(4L, Assert.Single(byActor).Sequence);
    }
}
