using JasperFx.Events;
using Marten;
using Platform.Registry;

namespace Platform.UnitTests.Registry;

public sealed class RegistryStoreTests
{
    [Fact]
    public void Streams_are_keyed_by_string()
    {
        var options = new StoreOptions().AddRegistry();
        Assert.Equal(StreamIdentity.AsString, options.Events.StreamIdentity);
    }
}
