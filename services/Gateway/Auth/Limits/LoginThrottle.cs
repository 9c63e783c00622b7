using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Platform.Gateway.Auth.Limits;

/// <summary>
/// Slows password guessing without handing anyone a way to lock others out. Failed logins are counted per
/// (account, client address): after <see cref="RateLimitOptions.FreeFailedLogins"/> of them that pair is backed off,
/// <see cref="RateLimitOptions.LoginBackoff"/> after the next failure and twice as long after each one after that,
/// up to <see cref="RateLimitOptions.MaxLoginBackoff"/>; a success at that pair clears it. So the guesser is held up,
/// while the account's owner at another address, and other accounts at the guesser's address, are not.
/// <para>
/// An attack spread over many addresses gets a few free guesses at each. The account-wide count covers that: once
/// an account has <see cref="RateLimitOptions.AccountFailureThreshold"/> failures within
/// <see cref="RateLimitOptions.FailureWindow"/>, every address's first failure for it is already backed off. That
/// slows the attack and locks nobody: the throttle only ever refuses a pair that has itself failed, so a correct
/// password from an address that has not failed always goes through.
/// </para>
/// </summary>
internal sealed class LoginThrottle(IOptions<AuthOptions> options, TimeProvider time)
{
    /// <summary>Bound on the remembered pairs and accounts; past it, entries older than the window are dropped.</summary>
    private const int MaxEntries = 100_000;

    private readonly record struct PairState(int Failures, DateTimeOffset LastFailure, DateTimeOffset BlockedUntil);

    private readonly record struct AccountState(int Failures, DateTimeOffset WindowStart);

    private readonly ConcurrentDictionary<(string Account, string Address), PairState> _pairs = new();
    private readonly ConcurrentDictionary<string, AccountState> _accounts = new(StringComparer.Ordinal);
    private RateLimitOptions Limits => options.Value.RateLimit;

    /// <summary>How long logins to <paramref name="account"/> from <paramref name="address"/> are still refused, if they are.</summary>
    public TimeSpan? RetryAfter(string account, string address)
    {
        if (!Limits.Enabled || !_pairs.TryGetValue((account, address), out var pair))
            return null;
        var left = pair.BlockedUntil - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : null;
    }

    /// <summary>Counts a failed login and returns how long that pair is now backed off (zero: not at all).</summary>
    public TimeSpan Failed(string account, string address)
    {
        if (!Limits.Enabled)
            return TimeSpan.Zero;
        var now = time.GetUtcNow();
        var window = Limits.FailureWindow;
        if (_pairs.Count > MaxEntries || _accounts.Count > MaxEntries)
            Forget(now, window);

        var accountState = _accounts.AddOrUpdate(account, _ => new AccountState(1, now),
            (_, a) => now - a.WindowStart >= window ? new AccountState(1, now) : a with { Failures = a.Failures + 1 });
        var underAttack = accountState.Failures >= Limits.AccountFailureThreshold;

        var free = underAttack ? 0 : Limits.FreeFailedLogins;
        var pair = _pairs.AddOrUpdate((account, address), _ => Next(1), (_, p) => Next(now - p.LastFailure >= window ? 1 : p.Failures + 1));
        return pair.BlockedUntil - now;

        PairState Next(int failures) => new(failures, now, now + Backoff(failures - free));
    }

    /// <summary>A correct login clears its own pair; the account-wide count stays (the attack elsewhere goes on).</summary>
    public void Succeeded(string account, string address) => _pairs.TryRemove((account, address), out _);

    /// <summary>The back-off after the <paramref name="beyondFree"/>-th failure past the free ones: base × 2^(n−1), capped.</summary>
    private TimeSpan Backoff(int beyondFree)
    {
        if (beyondFree <= 0)
            return TimeSpan.Zero;
        var max = Limits.MaxLoginBackoff;
        // Doubling past 2^30 overflows long before any sane cap; the cap is reached far earlier anyway.
        var factor = Math.Pow(2, Math.Min(beyondFree - 1, 30));
        var ticks = Limits.LoginBackoff.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }

    private void Forget(DateTimeOffset now, TimeSpan window)
    {
        foreach (var (key, pair) in _pairs)
            if (now - pair.LastFailure >= window && pair.BlockedUntil <= now)
                _pairs.TryRemove(key, out _);
        foreach (var (key, account) in _accounts)
            if (now - account.WindowStart >= window)
                _accounts.TryRemove(key, out _);
    }
}
