using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Gateway.Console.Sessions;

/// <summary>A signed-in console user: the account, and the personal access token it logged in with, if any.</summary>
internal sealed record ConsoleSession(string Account, string? PatId, DateTimeOffset Started)
{
    public DateTimeOffset LastSeen { get; set; } = Started;
}

/// <summary>
/// The console's sessions, held server-side: the cookie carries only a random id, so logging out (or a revoked token)
/// ends a session at once, which a self-contained cookie could not. Kept in memory: a restarted gateway asks its users
/// to log in again, and several gateways behind one name need sticky sessions.
/// Only the id's SHA-256 is kept, so a memory dump does not hand out live cookies.
/// </summary>
internal sealed class ConsoleSessions(TimeProvider clock)
{
    /// <summary>A session unused this long ends.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after its login, however busy.</summary>
    public static readonly TimeSpan AbsoluteTimeout = TimeSpan.FromHours(12);

    private readonly ConcurrentDictionary<string, ConsoleSession> _sessions = new(StringComparer.Ordinal);

    public string Start(string account, string? patId)
    {
        Sweep();
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _sessions[Key(id)] = new ConsoleSession(account, patId, clock.GetUtcNow());
        return id;
    }

    public ConsoleSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !_sessions.TryGetValue(Key(id), out var session))
            return null;
        var now = clock.GetUtcNow();
        if (now - session.LastSeen > IdleTimeout || now - session.Started > AbsoluteTimeout)
        {
            _sessions.TryRemove(Key(id), out _);
            return null;
        }
        session.LastSeen = now;
        return session;
    }

    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id))
            _sessions.TryRemove(Key(id), out _);
    }

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (key, session) in _sessions)
            if (now - session.LastSeen > IdleTimeout || now - session.Started > AbsoluteTimeout)
                _sessions.TryRemove(key, out _);
    }

    private static string Key(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}
