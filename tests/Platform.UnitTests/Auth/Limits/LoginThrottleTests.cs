using Microsoft.Extensions.Options;
using Platform.Gateway.Auth;
using Platform.Gateway.Auth.Limits;

namespace Platform.UnitTests.Auth.Limits;

public sealed class LoginThrottleTests
{
    private readonly ManualTime _time = new();
    private readonly LoginThrottle _throttle;

    public LoginThrottleTests() =>
        _throttle = new LoginThrottle(Options.Create(new AuthOptions
        {
            RateLimit = new RateLimitOptions
            {
                FreeFailedLogins = 5, LoginBackoff = TimeSpan.FromSeconds(1), MaxLoginBackoff = TimeSpan.FromMinutes(15),
                AccountFailureThreshold = 20, FailureWindow = TimeSpan.FromHours(1),
            },
        }), _time);

    [Fact]
    public void The_free_failures_cost_nothing_then_the_back_off_doubles_up_to_the_cap()
    {
        var backoffs = new List<TimeSpan>();
        for (var i = 0; i < 16; i++)
        {
            Assert.Null(_throttle.RetryAfter("ann", "10.0.0.1"));
            var backoff = _throttle.Failed("ann", "10.0.0.1");
            backoffs.Add(backoff);
            Assert.Equal(backoff > TimeSpan.Zero ? backoff : null, _throttle.RetryAfter("ann", "10.0.0.1"));
            _time.Advance(backoff);
        }
        Assert.Equal(
            [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900],
            backoffs.Select(b => (int)b.TotalSeconds));
    }

    [Fact]
    public void A_guesser_blocks_only_its_own_pair()
    {
        for (var i = 0; i < 30; i++)
        {
            _throttle.Failed("victim", "10.6.6.6");
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.NotNull(_throttle.RetryAfter("victim", "10.6.6.6"));
        // The owner elsewhere, and other accounts at the guesser's address, are not held up.
        Assert.Null(_throttle.RetryAfter("victim", "10.0.0.7"));
        Assert.Null(_throttle.RetryAfter("neighbour", "10.6.6.6"));
    }

    [Fact]
    public void An_account_under_attack_slows_every_failing_address_but_never_one_that_has_not_failed()
    {
        // Twenty addresses, one guess each: none of them reaches its free failures, together they reach the threshold.
        for (var i = 0; i < 20; i++)
            Assert.Equal(i < 19 ? TimeSpan.Zero : TimeSpan.FromSeconds(1), _throttle.Failed("victim", $"10.1.0.{i}"));
        // From now on a first failure at any address is backed off at once...
        Assert.Equal(TimeSpan.FromSeconds(1), _throttle.Failed("victim", "10.2.0.1"));
        Assert.Equal(TimeSpan.FromSeconds(2), _throttle.Failed("victim", "10.1.0.3"));
        Assert.NotNull(_throttle.RetryAfter("victim", "10.2.0.1"));
        // ...which slows, and locks nobody: an address without failures is let through.
        Assert.Null(_throttle.RetryAfter("victim", "192.168.1.20"));
        // Other accounts keep their free failures.
        Assert.Equal(TimeSpan.Zero, _throttle.Failed("other", "10.2.0.1"));
    }

    [Fact]
    public void A_success_clears_its_pair_and_failures_are_forgotten_after_the_window()
    {
        for (var i = 0; i < 6; i++)
            _throttle.Failed("ann", "10.0.0.1");
        Assert.NotNull(_throttle.RetryAfter("ann", "10.0.0.1"));
        _throttle.Succeeded("ann", "10.0.0.1");
        Assert.Null(_throttle.RetryAfter("ann", "10.0.0.1"));
        Assert.Equal(TimeSpan.Zero, _throttle.Failed("ann", "10.0.0.1"));

        for (var i = 0; i < 5; i++)
            _throttle.Failed("bob", "10.0.0.2");
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(TimeSpan.Zero, _throttle.Failed("bob", "10.0.0.2"));
    }
}
