using Marten.Exceptions;
using Npgsql;
using Platform.Registry.Writing;

namespace Platform.UnitTests.Registry.Writing;

public sealed class ConcurrencyRetryTests
{
    private static Exception Conflict() => new JasperFx.ConcurrencyException("stream version moved", null!);

    private static Exception UniqueViolation(string sqlState = "23505") =>
        new MartenCommandException(new NpgsqlCommand("insert"), new PostgresException("duplicate key", "ERROR", "ERROR", sqlState));

    [Fact]
    public async Task Returns_the_first_success()
    {
        var calls = 0;
        var result = await ConcurrencyRetry.RunAsync(() => { calls++; return Task.FromResult(42); }, CancellationToken.None);
        Assert.Equal(42, result);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Conflicts_are_retried_until_an_attempt_succeeds()
    {
        var calls = 0;
        var result = await ConcurrencyRetry.RunAsync(() =>
        {
            calls++;
            if (calls < 3)
                throw calls == 1 ? Conflict() : UniqueViolation();
            return Task.FromResult("done");
        }, CancellationToken.None);
        Assert.Equal("done", result);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task The_last_conflict_is_thrown_after_the_attempts()
    {
        var calls = 0;
        await Assert.ThrowsAsync<JasperFx.ConcurrencyException>(() =>
            ConcurrencyRetry.RunAsync<int>(() => { calls++; throw Conflict(); }, CancellationToken.None, attempts: 3));
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Other_errors_are_not_retried()
    {
        var calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ConcurrencyRetry.RunAsync<int>(() => { calls++; throw new InvalidOperationException(); }, CancellationToken.None));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Other_database_errors_are_not_retried()
    {
        var calls = 0;
        await Assert.ThrowsAsync<MartenCommandException>(() =>
            ConcurrencyRetry.RunAsync<int>(() => { calls++; throw UniqueViolation("40001"); }, CancellationToken.None));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Cancellation_stops_the_wait_between_attempts()
    {
        using var cts = new CancellationTokenSource();
        var calls = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ConcurrencyRetry.RunAsync<int>(() => { calls++; cts.Cancel(); throw Conflict(); }, cts.Token));
        Assert.Equal(1, calls);
    }
}
