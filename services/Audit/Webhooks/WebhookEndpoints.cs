using System.Text.Json;
using Platform.Contracts;

namespace Platform.Audit.Webhooks;

/// <summary>A subscription as the API creates it.</summary>
internal sealed record WebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Secret);

/// <summary>
/// /api/v1/namespaces/{ns}/webhooks: create (POST), list (GET), delete (DELETE .../{id}), the delivery log (GET
/// .../{id}/deliveries) and redeliver (POST .../{id}/deliveries/{deliveryId}/redeliver). Who may is the gateway's rule
/// (the namespace's owners and maintainers, admins); the secret is write-only. Webhooks live in the Audit service:
/// it already receives every push, delete and pull, in commit order, through the audit feed.
/// </summary>
internal static class WebhookEndpoints
{
    private const int MinSecretLength = 16, MaxDeliveries = 100;

    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<WebhookOptions>(builder.Configuration.GetSection(WebhookOptions.Section));
        builder.Services.AddSingleton<WebhookStore>();
        builder.Services.AddSingleton<WebhookTargets>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<WebhookSchema>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        // No redirects: a redirect would lead the delivery past the target check to wherever it points.
        builder.Services.AddHttpClient(WebhookDispatcher.ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<WebhookTargets>().ConnectAsync,
            });
        return builder;
    }

    public static IEndpointRouteBuilder MapWebhookApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/namespaces/{ns}/webhooks");
        group.MapPost("", CreateAsync);
        group.MapGet("", async (string ns, WebhookStore store, CancellationToken ct) =>
            Results.Json(new { webhooks = (await store.ListAsync(ns, ct)).Select(View) }));
        // Ids are parsed here rather than by a route constraint, so that an id that is not one gets the same
        // problem+json 404 as an unknown one instead of the router's empty 404.
        group.MapDelete("/{id}", async (string ns, string id, WebhookStore store, CancellationToken ct) =>
            Guid.TryParse(id, out var hook) && await store.DeleteAsync(ns, hook, ct) ? Results.NoContent() : NotFound(ns, id));
        group.MapGet("/{id}/deliveries", async (string ns, string id, WebhookStore store, CancellationToken ct) =>
            !Guid.TryParse(id, out var hook) || await store.FindAsync(ns, hook, ct) is null
                ? NotFound(ns, id)
                : Results.Json(new { deliveries = (await store.DeliveriesAsync(hook, MaxDeliveries, ct)).Select(DeliveryView) }));
        group.MapPost("/{id}/deliveries/{deliveryId}/redeliver", async (string ns, string id, string deliveryId, WebhookStore store, CancellationToken ct) =>
        {
            if (!Guid.TryParse(id, out var hook) || await store.FindAsync(ns, hook, ct) is null)
                return NotFound(ns, id);
            return Guid.TryParse(deliveryId, out var delivery) && await store.RedeliverAsync(hook, delivery, ct)
                ? Results.Accepted()
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "delivery not found", detail: $"webhook {id} has no delivery {deliveryId}");
        });
        return app;
    }

    private static async Task<IResult> CreateAsync(string ns, HttpContext http, WebhookStore store, WebhookTargets targets, CancellationToken ct)
    {
        WebhookRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<WebhookRequest>(ct);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return Invalid("the body must be JSON: {\"url\",\"events\",\"secret\"}");
        }
        if (request?.Url is not { Length: > 0 and <= 2048 } url)
            return Invalid("url is required (at most 2048 characters)");
        var events = request.Events ?? [];
        if (events.Count == 0 || events.Any(e => !WebhookEvents.Kinds.Contains(e)))
            return Invalid($"events must name one or more of: {string.Join(", ", WebhookEvents.Kinds)}");
        if (request.Secret is not { Length: >= MinSecretLength and <= 256 } secret)
            return Invalid($"secret is required, {MinSecretLength} to 256 characters: it signs every delivery");
        if (await targets.RefusalAsync(url, ct) is { } refusal)
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "webhook target not allowed", detail: refusal);

        var webhook = await store.CreateAsync(ns, url, [.. events.Distinct(StringComparer.Ordinal)], secret, ct);
        return Results.Created($"/api/v1/namespaces/{ns}/webhooks/{webhook.Id}", View(webhook));
    }

    private static object View(Webhook w) => new { id = w.Id, @namespace = w.Namespace, url = w.Url, events = w.Events, createdAt = w.CreatedAt };

    private static object DeliveryView(WebhookDelivery d) => new
    {
        id = d.Id, eventId = d.EventId, eventType = d.EventType, status = d.Status, attempts = d.Attempts,
        nextAttemptAt = d.NextAttemptAt, lastStatusCode = d.LastStatusCode, lastError = d.LastError,
        createdAt = d.CreatedAt, deliveredAt = d.DeliveredAt,
    };

    private static IResult Invalid(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid webhook", detail: detail);

    private static IResult NotFound(string ns, string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "webhook not found", detail: $"namespace {ns} has no webhook {id}");
}

/// <summary>Creates the webhooks schema before the service takes traffic or messages.</summary>
internal sealed class WebhookSchema(WebhookStore store) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => store.EnsureSchemaAsync(ct);
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Queues the deliveries an event asks for (called by the audit consumer after it recorded the event).</summary>
internal sealed class WebhookFanOut(WebhookStore store)
{
    public Task EnqueueAsync(IPlatformEvent e, CancellationToken ct) =>
        WebhookEvents.From(e) is { } w
            ? store.EnqueueAsync(WebhookEvents.NamespaceOf(w.Repository), w.Kind, e.Meta.EventId, WebhookEvents.Body(w.Kind, e.Meta, w.Repository, w.Data), ct)
            : Task.CompletedTask;
}
