using JasperFx;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Platform.Hosting.Persistence;

public static class MartenHosting
{
    /// <summary>
    /// Marten on the platform's PostgreSQL (<see cref="PostgresHosting.AddPlatformPostgres"/>), with lightweight
    /// sessions, schema objects created or updated at start-up, and a readiness check. <paramref name="configure"/>
    /// adds the service's events and projections.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddPlatformMarten(
        this WebApplicationBuilder builder, Action<StoreOptions> configure)
    {
        builder.AddPlatformPostgres();

        return builder.Services
            .AddMarten(sp =>
            {
                var options = new StoreOptions();
                options.Connection(sp.GetRequiredService<NpgsqlDataSource>());
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                options.Events.MetadataConfig.CorrelationIdEnabled = true;
                options.Events.MetadataConfig.CausationIdEnabled = true;
                options.Events.MetadataConfig.HeadersEnabled = true;
                options.Events.MetadataConfig.UserNameEnabled = true;
                configure(options);
                return options;
            })
            .UseLightweightSessions()
            .UseNpgsqlDataSource()
            .ApplyAllDatabaseChangesOnStartup();
    }
}
