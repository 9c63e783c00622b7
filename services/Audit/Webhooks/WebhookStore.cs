using Npgsql;
using NpgsqlTypes;

namespace Platform.Audit.Webhooks;

/// <summary>A namespace's webhook subscription. The secret signs deliveries and is never returned by the API.</summary>
internal sealed record Webhook(Guid Id, string Namespace, string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt);

/// <summary>One event's delivery to one webhook, with where its retries stand.</summary>
internal sealed record WebhookDelivery(
    Guid Id, Guid WebhookId, Guid EventId, string EventType, string Body, string Status, int Attempts,
    DateTimeOffset? NextAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt);

/// <summary>
/// Subscriptions and deliveries in the `webhooks` schema. A delivery is a row before anything is sent, and its next
/// attempt is a time in that row, so retries survive a restart: the dispatcher only ever reads what is due.
/// </summary>
internal sealed class WebhookStore(NpgsqlDataSource dataSource)
{
    public const string Pending = "pending", Delivered = "delivered", Failed = "failed";

    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE SCHEMA IF NOT EXISTS webhooks;
            CREATE TABLE IF NOT EXISTS webhooks.subscriptions (
                id          uuid PRIMARY KEY,
                namespace   text NOT NULL,
                url         text NOT NULL,
                events      text[] NOT NULL,
                secret      text NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS subscriptions_namespace ON webhooks.subscriptions (namespace);
            CREATE TABLE IF NOT EXISTS webhooks.deliveries (
                id               uuid PRIMARY KEY,
                webhook_id       uuid NOT NULL REFERENCES webhooks.subscriptions (id) ON DELETE CASCADE,
                event_id         uuid NOT NULL,
                event_type       text NOT NULL,
                body             text NOT NULL,
                status           text NOT NULL,
                attempts         int NOT NULL DEFAULT 0,
                next_attempt_at  timestamptz NULL,
                last_status      int NULL,
                last_error       text NULL,
                created_at       timestamptz NOT NULL DEFAULT now(),
                delivered_at     timestamptz NULL,
                UNIQUE (webhook_id, event_id)
            );
            CREATE INDEX IF NOT EXISTS deliveries_due ON webhooks.deliveries (next_attempt_at) WHERE status = 'pending';
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<Webhook> CreateAsync(string ns, string url, IReadOnlyList<string> events, string secret, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO webhooks.subscriptions (id, namespace, url, events, secret) VALUES (@id, @ns, @url, @events, @secret) RETURNING created_at");
        var id = Guid.NewGuid();
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("ns", ns);
        command.Parameters.AddWithValue("url", url);
        command.Parameters.AddWithValue("events", events.ToArray());
        command.Parameters.AddWithValue("secret", secret);
        var created = (DateTime)(await command.ExecuteScalarAsync(ct))!;
        return new Webhook(id, ns, url, events, secret, new DateTimeOffset(created, TimeSpan.Zero));
    }

    public async Task<IReadOnlyList<Webhook>> ListAsync(string ns, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, namespace, url, events, secret, created_at FROM webhooks.subscriptions WHERE namespace = @ns ORDER BY created_at, id");
        command.Parameters.AddWithValue("ns", ns);
        return await ReadWebhooksAsync(command, ct);
    }

    public async Task<Webhook?> FindAsync(string ns, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, namespace, url, events, secret, created_at FROM webhooks.subscriptions WHERE namespace = @ns AND id = @id");
        command.Parameters.AddWithValue("ns", ns);
        command.Parameters.AddWithValue("id", id);
        return (await ReadWebhooksAsync(command, ct)).SingleOrDefault();
    }

    /// <returns>false when the namespace has no such webhook.</returns>
    public async Task<bool> DeleteAsync(string ns, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM webhooks.subscriptions WHERE namespace = @ns AND id = @id");
        command.Parameters.AddWithValue("ns", ns);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>
    /// A delivery of the event for each of the namespace's webhooks that wants its type, due now. The same event
    /// seen twice (a redelivered message) adds nothing.
    /// </summary>
    public async Task<int> EnqueueAsync(string ns, string eventType, Guid eventId, string body, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO webhooks.deliveries (id, webhook_id, event_id, event_type, body, status, next_attempt_at)
            SELECT gen_random_uuid(), s.id, @event, @type, @body, 'pending', now()
            FROM webhooks.subscriptions s WHERE s.namespace = @ns AND @type = ANY (s.events)
            ON CONFLICT (webhook_id, event_id) DO NOTHING
            """);
        command.Parameters.AddWithValue("ns", ns);
        command.Parameters.AddWithValue("type", eventType);
        command.Parameters.AddWithValue("event", eventId);
        command.Parameters.AddWithValue("body", body);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries: their next attempt moves <paramref name="lease"/> ahead
    /// first, so another dispatcher (or this one after a crash) takes them again only if this attempt never reports.
    /// </summary>
    public async Task<IReadOnlyList<(WebhookDelivery Delivery, Webhook Webhook)>> ClaimDueAsync(int limit, TimeSpan lease, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            WITH due AS (
                SELECT id FROM webhooks.deliveries
                WHERE status = 'pending' AND next_attempt_at <= now()
                ORDER BY next_attempt_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            UPDATE webhooks.deliveries d SET next_attempt_at = now() + @lease
            FROM due, webhooks.subscriptions s
            WHERE d.id = due.id AND s.id = d.webhook_id
            RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.body, d.status, d.attempts, d.next_attempt_at,
                      d.last_status, d.last_error, d.created_at, d.delivered_at,
                      s.id, s.namespace, s.url, s.events, s.secret, s.created_at
            """);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("lease", lease);
        var claimed = new List<(WebhookDelivery, Webhook)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            claimed.Add((ReadDelivery(reader), ReadWebhook(reader, 12)));
        return claimed;
    }

    /// <summary>Records an attempt: delivered, or failed with the next attempt's time (null: given up).</summary>
    public async Task RecordAttemptAsync(Guid id, bool delivered, int? statusCode, string? error, DateTimeOffset? next, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE webhooks.deliveries SET attempts = attempts + 1, last_status = @code, last_error = @error,
                status = CASE WHEN @delivered THEN 'delivered' WHEN @next IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = CASE WHEN @delivered THEN NULL ELSE @next END,
                delivered_at = CASE WHEN @delivered THEN now() ELSE delivered_at END
            WHERE id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("delivered", delivered);
        command.Parameters.Add(new NpgsqlParameter("code", NpgsqlDbType.Integer) { Value = (object?)statusCode ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)error ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("next", NpgsqlDbType.TimestampTz) { Value = (object?)next?.UtcDateTime ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(Guid webhookId, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, webhook_id, event_id, event_type, body, status, attempts, next_attempt_at, last_status, last_error,
                   created_at, delivered_at
            FROM webhooks.deliveries WHERE webhook_id = @id ORDER BY created_at DESC, id LIMIT @limit
            """);
        command.Parameters.AddWithValue("id", webhookId);
        command.Parameters.AddWithValue("limit", limit);
        var deliveries = new List<WebhookDelivery>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            deliveries.Add(ReadDelivery(reader));
        return deliveries;
    }

    /// <summary>Sends a delivery again, now, whatever became of it; false when the webhook has no such delivery.</summary>
    public async Task<bool> RedeliverAsync(Guid webhookId, Guid deliveryId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE webhooks.deliveries SET status = 'pending', next_attempt_at = now()
            WHERE id = @id AND webhook_id = @webhook
            """);
        command.Parameters.AddWithValue("id", deliveryId);
        command.Parameters.AddWithValue("webhook", webhookId);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    private static async Task<IReadOnlyList<Webhook>> ReadWebhooksAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var webhooks = new List<Webhook>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            webhooks.Add(ReadWebhook(reader, 0));
        return webhooks;
    }

    private static Webhook ReadWebhook(NpgsqlDataReader r, int at) => new(
        r.GetGuid(at), r.GetString(at + 1), r.GetString(at + 2), r.GetFieldValue<string[]>(at + 3), r.GetString(at + 4),
        r.GetFieldValue<DateTimeOffset>(at + 5));

    private static WebhookDelivery ReadDelivery(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt32(6),
        r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetInt32(8),
        r.IsDBNull(9) ? null : r.GetString(9), r.GetFieldValue<DateTimeOffset>(10),
        r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11));
}
