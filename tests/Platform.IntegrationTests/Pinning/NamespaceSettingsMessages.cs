using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Contracts;
using Platform.Hosting.Messaging;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Pinning;

/// <summary>
/// Publishes <see cref="NamespaceSettingsChangedV1"/> as the gateway will (RabbitMQ's client in MassTransit's
/// format), and waits until Pinning has stored it.
/// </summary>
public static class NamespaceSettingsMessages
{
    public static async Task<NamespaceSettingsChangedV1> PublishAsync(PlatformStack stack, string ns, bool isPublic, string? mode = null,
        DateTimeOffset? occurredAt = null, Guid? eventId = null, bool waitStored = true)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = stack.Broker.Uri })
            .Build();
        await using var publisher = new RabbitPublisher(configuration, NullLogger<RabbitPublisher>.Instance);
        var id = eventId ?? Guid.NewGuid();
        var message = new NamespaceSettingsChangedV1(
            new EventMetadata(id, 0, occurredAt ?? DateTimeOffset.UtcNow, "system:test", null, null, null), ns, isPublic, mode);
        await publisher.PublishAsync(message, id, CancellationToken.None);
        if (waitStored)
            await WaitStoredAsync(stack, ns, id);
        return message;
    }

    /// <summary>The row Pinning keeps for the namespace: (public, ipfs_mode, event_id), or null.</summary>
    public static async Task<(bool Public, string? Mode, Guid EventId)?> StoredAsync(PlatformStack stack, string ns)
    {
        await using var connection = new NpgsqlConnection(stack.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT public, ipfs_mode, event_id FROM pinning.namespaces WHERE namespace = @ns", connection);
        command.Parameters.AddWithValue("ns", ns);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            return null;
        return (reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetGuid(2));
    }

    private static async Task WaitStoredAsync(PlatformStack stack, string ns, Guid id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await StoredAsync(stack, ns))?.EventId != id)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Pinning did not store the settings of {ns} within 20 s:\n{stack.Pinning.Output}");
            await Task.Delay(100);
        }
    }
}
