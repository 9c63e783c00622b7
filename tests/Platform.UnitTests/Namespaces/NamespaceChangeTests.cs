using System.Text.Json.Nodes;
using Platform.Gateway.Namespaces;

namespace Platform.UnitTests.Namespaces;

/// <summary>An update tells a setting set to null (back to the default) from one left out, and names a bad field.</summary>
public sealed class NamespaceChangeTests
{
    [Fact]
    public void A_field_left_out_stays_and_a_null_one_is_set_to_the_default()
    {
        Assert.True(NamespaceChange.TryParse(JsonNode.Parse("""{"ipfs":null}""")!.AsObject(), out var change, out _));
        Assert.Null(change.Public);
        Assert.True(change.IpfsMode.IsSet);
        Assert.Null(change.IpfsMode.Value);
        Assert.False(change.QuotaBytes.IsSet);
    }

    [Fact]
    public void Values_are_read()
    {
        Assert.True(NamespaceChange.TryParse(JsonNode.Parse("""{"public":true,"ipfs":"off","quotaBytes":0}""")!.AsObject(), out var change, out _));
        Assert.True(change.Public);
        Assert.Equal("off", change.IpfsMode.Value);
        Assert.Equal(0, change.QuotaBytes.Value);
    }

    [Theory]
    [InlineData("""{"ipfs":"Public"}""", "ipfs", 422)]
    [InlineData("""{"ipfs":false}""", "ipfs", 400)]
    [InlineData("""{"quotaBytes":-5}""", "quotaBytes", 422)]
    [InlineData("""{"quotaBytes":99999999999999999999}""", "quotaBytes", 400)]
    [InlineData("""{"public":null}""", "public", 400)]
    public void A_bad_value_names_its_field(string json, string field, int status)
    {
        Assert.False(NamespaceChange.TryParse(JsonNode.Parse(json)!.AsObject(), out _, out var error));
        Assert.Equal(field, error.Field);
        Assert.Equal(status, error.Status);
    }
}
