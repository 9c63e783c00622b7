using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Namespaces;

namespace Platform.UnitTests.Namespaces;

public sealed class NamespaceSettingsPublisherTests
{
    [Fact]
    public void A_republished_state_carries_when_it_changed_not_when_it_was_sent()
    {
        // Pinning keeps the newest by OccurredAt: stamped with "now", a stale snapshot would override a newer update.
        var changed = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(120);
        var ns = new RegistryNamespace { Id = "team", Public = true, IpfsMode = "off", QuotaBytes = 10, SettingsChangedAt = changed };

        var message = NamespaceSettingsPublisher.Snapshot(ns);

        Assert.Equal(changed, message.Meta.OccurredAt);
        Assert.Equal(("team", true, "off"), (message.Namespace, message.Public, message.IpfsMode));
        Assert.NotEqual(Guid.Empty, message.Meta.EventId);
    }

    [Theory]
    [InlineData(true, null, "public")]
    [InlineData(false, null, "encrypted")]
    [InlineData(true, "encrypted", "encrypted")]
    [InlineData(false, "off", "off")]
    public void The_effective_mode_follows_visibility_unless_set(bool isPublic, string? mode, string effective) =>
        Assert.Equal(effective, NamespaceEndpoints.EffectiveIpfs(new RegistryNamespace { Id = "n", Public = isPublic, IpfsMode = mode }));
}
