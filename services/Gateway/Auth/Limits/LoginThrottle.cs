using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Platform.Gateway.Auth.Limits;

/// <summary>
/// Counts failed logins in a row, per account name and per client address. After
/// <see cref="RateLimitOptions.MaxFailedLogins"/> of them, /token answers 429 for that account or address until
/// <see cref="RateLimitOptions.LockoutWindow"/> has passed since the last failure. A success resets both counters.
/// </summary>
internal sealed class LoginThrottle(IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset Last)> _failures = new(StringComparer.Ordinal);
    private RateLimitOptions Limits => options.Value.RateLimit;

    /// <summary>How long <paramref name="account"/> or <paramref name="address"/> is still locked, if it is.</summary>
    public TimeSpan? LockedFor(string account, string address)
    {
        if (!Limits.Enabled)
            return null;
        var now = time.GetUtcNow();
        TimeSpan? longest = null;
        foreach (var key in Keys(account, address))
            if (_failures.TryGetValue(key, out var f) && f.Count >= Limits.MaxFailedLogins && now - f.Last < Limits.LockoutWindow)
            {
                var left = Limits.LockoutWindow - (now - f.Last);
                longest = longest is { } l && l > left ? l : left;
            }
        return longest;
    }

    public void Failed(string account, string address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count > 100_000)
            foreach (var stale in _failures.Where(p => now - p.Value.Last >= Limits.LockoutWindow).Select(p => p.Key).ToList())
                _failures.TryRemove(stale, out _);
        foreach (var key in Keys(account, address))
            _failures.AddOrUpdate(key, _ => (1, now),
                (_, f) => (now - f.Last >= Limits.LockoutWindow ? 1 : f.Count + 1, now));
    }

    public void Succeeded(string account, string address)
    {
        foreach (var key in Keys(account, address))
            _failures.TryRemove(key, out _);
    }

    private static IEnumerable<string> Keys(string account, string address)
    {
        if (account.Length > 0)
            yield return "account:" + account;
        yield return "address:" + address;
    }
}
