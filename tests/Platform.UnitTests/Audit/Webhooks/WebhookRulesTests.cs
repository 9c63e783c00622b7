using Platform.Audit.Webhooks;

namespace Platform.UnitTests.Audit.Webhooks;

public sealed class WebhookRulesTests
{
    private static readonly WebhookOptions Options = new()
    {
        InitialBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromMinutes(5), AllowedHosts = ["hooks.example.com"],
    };

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(5, 160)]
    [InlineData(6, 300)]
    [InlineData(40, 300)]
    public void The_back_off_doubles_from_the_initial_wait_up_to_the_cap(int attempts, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), WebhookDispatcher.Backoff(Options, attempts));

    [Fact]
    public void The_signature_is_the_hex_hmac_sha256_of_the_body()
    {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        Assert.Equal("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            WebhookDispatcher.Signature("Jefe", "what do ya want for nothing?"));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook", true)]
    [InlineData("https://[::1]/hook", true)]
    [InlineData("http://localhost/hook", true)]
    [InlineData("https://hooks.example.com/x", true)]         // configured: allowed by name
    [InlineData("https://HOOKS.example.com/x", true)]
    [InlineData("http://10.0.0.5/hook", false)]
    [InlineData("http://169.254.169.254/latest/meta-data", false)]
    [InlineData("http://203.0.113.9/", false)]
    [InlineData("http://other.invalid/", false)]
    [InlineData("ftp://127.0.0.1/", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("http://user:pw@127.0.0.1/", false)]
    [InlineData("not a url", false)]
    public async Task Only_loopback_and_configured_hosts_are_targets(string url, bool allowed)
    {
        var targets = new WebhookTargets(Microsoft.Extensions.Options.Options.Create(Options));

        var refusal = await targets.RefusalAsync(url, CancellationToken.None);

        Assert.True(allowed == (refusal is null), refusal ?? "allowed");
    }
}
