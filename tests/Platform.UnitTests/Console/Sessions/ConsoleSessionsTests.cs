using Platform.Gateway.Console.Sessions;

namespace Platform.UnitTests.Console.Sessions;

public sealed class ConsoleSessionsTests
{
    private readonly ManualTime _time = new();

    [Fact]
    public void A_session_names_its_account_until_it_is_ended()
    {
        var sessions = new ConsoleSessions(_time);
        var id = sessions.Start("alice", patId: "p1");
        var session = sessions.Find(id);
        Assert.Equal("alice", session?.Account);
        Assert.Equal("p1", session?.PatId);
        sessions.End(id);
        Assert.Null(sessions.Find(id));
    }

    [Fact]
    public void Ids_are_random_and_unknown_or_malformed_ones_find_nothing()
    {
        var sessions = new ConsoleSessions(_time);
        var a = sessions.Start("alice", null);
        var b = sessions.Start("alice", null);
        Assert.NotEqual(a, b);
        Assert.True(a.Length >= 43); // 256 bits
        Assert.Null(sessions.Find(null));
        Assert.Null(sessions.Find(""));
        Assert.Null(sessions.Find(a + "x"));
        Assert.Null(sessions.Find(new string('a', 10_000)));
    }

    [Fact]
    public void An_idle_session_ends_and_a_busy_one_ends_at_the_absolute_limit()
    {
        var sessions = new ConsoleSessions(_time);
        var idle = sessions.Start("idle", null);
        var busy = sessions.Start("busy", null);
        _time.Advance(ConsoleSessions.IdleTimeout - TimeSpan.FromMinutes(1));
        Assert.NotNull(sessions.Find(busy));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(sessions.Find(idle));

        // Used every 20 minutes, it lives until 12 hours after the login, then ends however busy.
        var elapsed = ConsoleSessions.IdleTimeout + TimeSpan.FromMinutes(1);
        while (elapsed + TimeSpan.FromMinutes(20) < ConsoleSessions.AbsoluteTimeout)
        {
            _time.Advance(TimeSpan.FromMinutes(20));
            elapsed += TimeSpan.FromMinutes(20);
            Assert.NotNull(sessions.Find(busy));
        }
        _time.Advance(TimeSpan.FromMinutes(20));
        Assert.Null(sessions.Find(busy));
    }
}
