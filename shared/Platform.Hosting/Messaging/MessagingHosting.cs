using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting.Messaging;

public static class MessagingHosting
{
    public const string ConnectionStringName = "RabbitMq";

    /// <summary>
    /// MassTransit 8 over RabbitMQ (ConnectionStrings:RabbitMq, an amqp:// URI). Queues are named after the
    /// consuming service, so each service gets its own copy of an event; failed messages are retried with
    /// exponential backoff and then moved to the consumer's `_error` queue by MassTransit.
    /// </summary>
    public static WebApplicationBuilder AddPlatformMessaging(
        this WebApplicationBuilder builder, string serviceName, Action<IBusRegistrationConfigurator>? configure = null)
    {
        builder.Services.AddMassTransit(x =>
        {
            // MassTransit 8.5 reports usage to usage-tracking.masstransit.io by default. A self-hosted registry
            // does not call home (and offline it logged a warning for each attempt).
            x.DisableUsageTelemetry();
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            configure?.Invoke(x);

            x.UsingRabbitMq((context, cfg) =>
            {
                var uri = new Uri(RequireConnectionString(context.GetRequiredService<IConfiguration>()));
                cfg.Host(uri, h =>
                {
                    if (!string.IsNullOrEmpty(uri.UserInfo))
                    {
                        var parts = uri.UserInfo.Split(':', 2);
                        h.Username(Uri.UnescapeDataString(parts[0]));
                        h.Password(parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
                    }
                });
                cfg.UseMessageRetry(r => r.Exponential(
                    retryLimit: 8, minInterval: TimeSpan.FromMilliseconds(200),
                    maxInterval: TimeSpan.FromSeconds(30), intervalDelta: TimeSpan.FromMilliseconds(500)));
                cfg.ConfigureEndpoints(context);
            });

            // The bus health check is part of /readyz (MassTransit tags it "ready").
        });

        // Without waiting, the host reports started before the receive endpoints are bound, and a message
        // published right after start on a fresh broker has no queue to land in.
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(15);
        });
        return builder;
    }

    public static string RequireConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (env ConnectionStrings__{ConnectionStringName}, " +
                "e.g. amqp://guest:guest@127.0.0.1:5673/). `make up` sets it; see README.");
}
