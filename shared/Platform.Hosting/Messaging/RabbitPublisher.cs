using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Platform.Contracts;
using RabbitMQ.Client;

namespace Platform.Hosting.Messaging;

/// <summary>
/// Publishes and sends integration events with RabbitMQ's own client, in the form MassTransit consumers read, for
/// services that only produce messages (Ingest's relays, the gateway's access events). A MassTransit bus in each of
/// them cost about 16 MiB of memory (its code, compiled at run time) for what is one channel and a few exchanges.
/// <list type="bullet">
/// <item>Each message is MassTransit's documented JSON envelope: content type application/vnd.masstransit+json,
/// the message under "message", its types as "urn:message:Namespace:Name" (the class, then the contracts it
/// implements), the event id as message id.</item>
/// <item>Publish goes to the exchange MassTransit's publish topology names after the message type
/// ("Namespace:Name", fanout, durable), bound to the exchanges of the contracts it implements, as MassTransit
/// binds them; consumers bind their queues there.</item>
/// <item>Send goes to a queue through the exchange of the same name bound to it, as MassTransit declares a
/// queue's address.</item>
/// </list>
/// Every call returns once the broker has confirmed the message (publisher confirms are tracked), or throws; a
/// failure drops the connection, so the caller's next attempt (see <see cref="BrokerRetry"/>) starts afresh.
/// Calls may overlap: their confirms then overlap too.
/// </summary>
public sealed partial class RabbitPublisher(IConfiguration configuration, ILogger<RabbitPublisher> logger) : IAsyncDisposable
{
    public const string ContentType = "application/vnd.masstransit+json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly ConcurrentDictionary<string, Task> _declared = new(StringComparer.Ordinal);
    private IConnection? _connection;
    private IChannel? _channel;

    /// <summary>Publishes <paramref name="message"/> to its type's exchange (every subscriber gets a copy).</summary>
    public async Task PublishAsync(IPlatformEvent message, Guid messageId, CancellationToken ct)
    {
        var exchange = ExchangeOf(message.GetType());
        await UseChannelAsync(async channel =>
        {
            await DeclareOnceAsync(channel, "publish:" + exchange, () => DeclarePublishTopologyAsync(channel, message.GetType(), ct));
            await channel.BasicPublishAsync(exchange, "", mandatory: false, Properties(messageId), Envelope(message, messageId), ct);
        }, ct);
    }

    /// <summary>Sends <paramref name="message"/> to one queue.</summary>
    public async Task SendAsync(string queue, IPlatformEvent message, Guid messageId, CancellationToken ct)
    {
        await UseChannelAsync(async channel =>
        {
            await DeclareOnceAsync(channel, "queue:" + queue, async () =>
            {
                await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
                await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
                await channel.QueueBindAsync(queue, queue, "", cancellationToken: ct);
            });
            await channel.BasicPublishAsync(queue, "", mandatory: false, Properties(messageId), Envelope(message, messageId), ct);
        }, ct);
    }

    /// <summary>MassTransit's exchange name for a message type: "Namespace:Name".</summary>
    public static string ExchangeOf(Type type) => $"{type.Namespace}:{type.Name}";

    /// <summary>MassTransit's JSON envelope around <paramref name="message"/>.</summary>
    public static byte[] Envelope(IPlatformEvent message, Guid messageId) =>
        JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId,
            messageType = MessageTypes(message.GetType()).Select(t => $"urn:message:{ExchangeOf(t)}").ToArray(),
            message = (object)message,
            sentTime = DateTime.UtcNow,
            headers = new Dictionary<string, object>(),
        }, Json);

    // The class and the contracts it implements (the platform's own interfaces: IPlatformEvent), as MassTransit
    // lists them; framework interfaces (IEquatable of a record) are not message types.
    private static IEnumerable<Type> MessageTypes(Type type) =>
        new[] { type }.Concat(type.GetInterfaces().Where(i => i.Namespace == typeof(IPlatformEvent).Namespace));

    private static async Task DeclarePublishTopologyAsync(IChannel channel, Type type, CancellationToken ct)
    {
        var exchange = ExchangeOf(type);
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        foreach (var contract in MessageTypes(type).Skip(1))
        {
            var contractExchange = ExchangeOf(contract);
            await channel.ExchangeDeclareAsync(contractExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
            await channel.ExchangeBindAsync(contractExchange, exchange, "", cancellationToken: ct);
        }
    }

    private static BasicProperties Properties(Guid messageId) => new()
    {
        MessageId = messageId.ToString(),
        ContentType = ContentType,
        DeliveryMode = DeliveryModes.Persistent,
    };

    // Declarations run once per channel; concurrent callers wait for the same one. A failed one is forgotten.
    private async Task DeclareOnceAsync(IChannel channel, string key, Func<Task> declare)
    {
        var task = _declared.GetOrAdd(key, _ => declare());
        try
        {
            await task;
        }
        catch
        {
            _declared.TryRemove(new KeyValuePair<string, Task>(key, task));
            throw;
        }
    }

    private async Task UseChannelAsync(Func<IChannel, Task> use, CancellationToken ct)
    {
        var channel = await ChannelAsync(ct);
        try
        {
            await use(channel);
        }
        catch
        {
            await ResetAsync(channel);
            throw;
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken ct)
    {
        if (_channel is { IsOpen: true } open)
            return open;
        await _connecting.WaitAsync(ct);
        try
        {
            if (_channel is { IsOpen: true } opened)
                return opened;
            await CloseAsync();
            var factory = new ConnectionFactory { Uri = new Uri(MessagingHosting.RequireConnectionString(configuration)) };
            _connection = await factory.CreateConnectionAsync($"platform-{AppDomain.CurrentDomain.FriendlyName}", ct);
            _channel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            return _channel;
        }
        finally
        {
            _connecting.Release();
        }
    }

    // Drops the connection a failed call used (not a newer one another caller has opened since).
    private async Task ResetAsync(IChannel failed)
    {
        await _connecting.WaitAsync();
        try
        {
            if (ReferenceEquals(_channel, failed))
                await CloseAsync();
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task CloseAsync()
    {
        _declared.Clear();
        try
        {
            if (_channel is not null) await _channel.DisposeAsync();
            if (_connection is not null) await _connection.DisposeAsync();
        }
        catch (Exception ex)
        {
            LogCloseFailed(ex);
        }
        _channel = null;
        _connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _connecting.WaitAsync();
        try
        {
            await CloseAsync();
        }
        finally
        {
            _connecting.Release();
        }
    }

    [LoggerMessage(EventId = 62, Level = LogLevel.Debug, Message = "closing the RabbitMQ connection")]
    private partial void LogCloseFailed(Exception error);
}
