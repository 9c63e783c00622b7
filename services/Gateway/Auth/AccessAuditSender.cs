using System.Text.Json;
using Platform.Contracts;
using Platform.Hosting.Messaging;
using RabbitMQ.Client;

namespace Platform.Gateway.Auth;

/// <summary>
/// Sends what <see cref="AccessAudit"/> queued to the audit log's inbox (<see cref="AuditFeed"/>), in order, each
/// one confirmed by the broker before the next. While RabbitMQ is unreachable it keeps retrying the same event and
/// the queue behind it holds the rest (up to its bound).
/// <para>
/// The gateway does this with RabbitMQ's own client instead of MassTransit: it sends to one queue and consumes
/// nothing, and the bus cost it about 16 MiB, part of the memory target of issue 3. The audit log's consumer is
/// MassTransit's, so each message is MassTransit's documented JSON envelope (content type
/// application/vnd.masstransit+json, the message under "message", its type as "urn:message:Namespace:Name"), and
/// the exchange and queue are declared exactly as MassTransit declares them (fanout and durable, bound by name).
/// </para>
/// </summary>
public sealed class AccessAuditSender(AccessAudit audit, IConfiguration configuration, ILogger<AccessAuditSender> logger)
    : BackgroundService
{
    public const string ContentType = "application/vnd.masstransit+json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private IConnection? _connection;
    private IChannel? _channel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var e in audit.Reader.ReadAllAsync(stoppingToken))
            await BrokerRetry.UntilAcceptedAsync(ct => SendAsync(e, ct), nameof(AccessAuditSender),
                $"{e.GetType().Name} {e.Meta.EventId}", logger, stoppingToken);
    }

    private async Task SendAsync(IPlatformEvent e, CancellationToken ct)
    {
        try
        {
            var channel = await ChannelAsync(ct);
            var properties = new BasicProperties
            {
                MessageId = e.Meta.EventId.ToString(),
                ContentType = ContentType,
                DeliveryMode = DeliveryModes.Persistent,
            };
            // With publisher confirms tracked, the call returns once the broker has the message (or throws).
            await channel.BasicPublishAsync(AuditFeed.QueueName, "", mandatory: false, properties, Envelope(e), ct);
        }
        catch
        {
            // The next attempt starts from a new connection.
            await CloseAsync();
            throw;
        }
    }

    /// <summary>MassTransit's JSON envelope around <paramref name="e"/>.</summary>
    public static byte[] Envelope(IPlatformEvent e)
    {
        var type = e.GetType();
        return JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId = e.Meta.EventId,
            messageType = new[] { $"urn:message:{type.Namespace}:{type.Name}" },
            message = (object)e,
            sentTime = DateTime.UtcNow,
            headers = new Dictionary<string, object>(),
        }, Json);
    }

    private async Task<IChannel> ChannelAsync(CancellationToken ct)
    {
        if (_channel is { IsOpen: true } open)
            return open;
        await CloseAsync();
        var factory = new ConnectionFactory { Uri = new Uri(MessagingHosting.RequireConnectionString(configuration)) };
        _connection = await factory.CreateConnectionAsync("platform-gateway", ct);
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        await _channel.ExchangeDeclareAsync(AuditFeed.QueueName, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await _channel.QueueDeclareAsync(AuditFeed.QueueName, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
        await _channel.QueueBindAsync(AuditFeed.QueueName, AuditFeed.QueueName, "", cancellationToken: ct);
        return _channel;
    }

    private async Task CloseAsync()
    {
        try
        {
            if (_channel is not null) await _channel.DisposeAsync();
            if (_connection is not null) await _connection.DisposeAsync();
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "closing the audit connection");
        }
        _channel = null;
        _connection = null;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await CloseAsync();
    }
}
