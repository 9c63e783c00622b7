using System.Net;
using System.Net.Sockets;
using Platform.IntegrationTests.Distribution;

namespace Platform.IntegrationTests.Auth.Limits;

/// <summary>
/// Failed logins are counted per account and client address: whoever guesses is backed off, exponentially, and
/// the account's owner at another address keeps logging in. The clients here connect from different loopback
/// addresses (127.0.0.2, 127.0.0.3), so the gateway sees them as the different machines they stand for.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class LoginThrottleTests(AuthFixture auth)
{
    [Fact]
    public async Task An_attacker_at_one_address_cannot_lock_out_the_victim_at_another()
    {
        var victim = "victim" + Guid.NewGuid().ToString("N")[..8];
        await auth.CreateUserAsync(victim, "the-right-password");
        using var attacker = From("127.0.0.2");
        using var owner = From("127.0.0.3");

        // Far more failures than the old lock needed (20), from the attacker's address.
        var refusedWithRetryAfter = 0;
        for (var i = 0; i < 40; i++)
        {
            using var guess = await Login(attacker, victim, "guess-" + i);
            Assert.True(guess.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"guess {i}: {guess.StatusCode}");
            if (guess.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(guess.Headers.RetryAfter?.Delta > TimeSpan.Zero);
                refusedWithRetryAfter++;
            }
        }
        // The attacker is backed off, even with the right password now.
        Assert.True(refusedWithRetryAfter > 25, $"only {refusedWithRetryAfter} of 40 guesses were throttled");
        using (var attackerWithPassword = await Login(attacker, victim, "the-right-password"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, attackerWithPassword.StatusCode);
            await RegistryClient.AssertErrorAsync(attackerWithPassword, HttpStatusCode.TooManyRequests, "TOOMANYREQUESTS");
        }

        // The owner, at an address that never failed, is not held up, at /token and on the platform API.
        using (var ownerLogin = await Login(owner, victim, "the-right-password"))
            Assert.Equal(HttpStatusCode.OK, ownerLogin.StatusCode);
        using var api = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tokens") { Headers = { Authorization = AuthFixture.Basic(victim, "the-right-password") } };
        using (var ownerApi = await owner.SendAsync(api))
            Assert.Equal(HttpStatusCode.OK, ownerApi.StatusCode);

        // Other accounts at the attacker's address are not blocked by the attack on this one.
        var neighbour = "neighbour" + Guid.NewGuid().ToString("N")[..8];
        await auth.CreateUserAsync(neighbour, "the-right-password");
        using (var other = await Login(attacker, neighbour, "the-right-password"))
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Basic_credentials_on_the_platform_api_count_as_logins()
    {
        // Guessing through /api/v1 instead of /token must not be a way around the throttle.
        var user = "guessed" + Guid.NewGuid().ToString("N")[..8];
        await auth.CreateUserAsync(user, "the-right-password");
        using var attacker = From("127.0.0.4");
        var throttled = false;
        for (var i = 0; i < 15 && !throttled; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tokens") { Headers = { Authorization = AuthFixture.Basic(user, "guess-" + i) } };
            using var response = await attacker.SendAsync(request);
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"guess {i}: {response.StatusCode}");
            throttled = response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter?.Delta > TimeSpan.Zero;
        }
        Assert.True(throttled);
    }

    private Task<HttpResponseMessage> Login(HttpClient http, string user, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/token?service=platform-registry");
        request.Headers.Authorization = AuthFixture.Basic(user, password);
        return http.SendAsync(request);
    }

    /// <summary>A client whose connections come from <paramref name="address"/> (any 127.x address is this machine).</summary>
    private HttpClient From(string address) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        }) { BaseAddress = auth.GatewayUrl };
}
