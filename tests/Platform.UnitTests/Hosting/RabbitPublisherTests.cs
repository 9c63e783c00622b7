using System.Text.Json;
using Platform.Contracts;
using Platform.Hosting.Messaging;

namespace Platform.UnitTests.Hosting;

public class RabbitPublisherTests
{
    [Fact]
    public void Exchanges_are_named_as_MassTransit_names_them()
    {
        Assert.Equal("Platform.Contracts:BlobStoredV1", RabbitPublisher.ExchangeOf(typeof(BlobStoredV1)));
        Assert.Equal("Platform.Contracts:IPlatformEvent", RabbitPublisher.ExchangeOf(typeof(IPlatformEvent)));
    }

    [Fact]
    public void The_envelope_carries_the_message_its_types_and_its_id()
    {
        var id = Guid.NewGuid();
        var meta = new EventMetadata(id, 42, DateTimeOffset.UnixEpoch, "alice", "127.0.0.1", "skopeo", "req-1");
        var message = new BlobStoredV1(meta, "sha256:" + new string('a', 64), 123);
        using var envelope = JsonDocument.Parse(RabbitPublisher.Envelope(message, id));
        var root = envelope.RootElement;
        Assert.Equal(id, root.GetProperty("messageId").GetGuid());
        Assert.Equal(["urn:message:Platform.Contracts:BlobStoredV1", "urn:message:Platform.Contracts:IPlatformEvent"],
            root.GetProperty("messageType").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(123, root.GetProperty("message").GetProperty("size").GetInt64());
        Assert.Equal(42, root.GetProperty("message").GetProperty("meta").GetProperty("sequence").GetInt64());
    }
}
