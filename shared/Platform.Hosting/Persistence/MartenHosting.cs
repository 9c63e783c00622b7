using JasperFx;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Hosting.Health;

namespace Platform.Hosting.Persistence;

public static class MartenHosting
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// Marten on the platform's PostgreSQL (ConnectionStrings:Postgres), with lightweight sessions, schema objects
    /// created or updated at start-up, and a readiness check. <paramref name="configure"/> adds the service's
    /// events and projections.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddPlatformMarten(
        this WebApplicationBuilder builder, Action<StoreOptions> configure)
    {
        builder.Services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            var connectionString = RequireConnectionString(configuration);
            var source = new NpgsqlDataSourceBuilder(connectionString);
            // Six services share one server: each pool is capped (Npgsql's default is 100 each) so that a burst
            // on one service waits for a connection instead of exhausting the server's max_connections for all.
            // An explicit "Maximum Pool Size" in the connection string wins.
            if (!connectionString.Contains("Pool Size", StringComparison.OrdinalIgnoreCase))
                source.ConnectionStringBuilder.MaxPoolSize = configuration.GetValue("Postgres:MaxPoolSize", 40);
            return source.Build();
        });

        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres", tags: [PlatformDefaults.ReadyTag]);

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

    public static string RequireConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (env ConnectionStrings__{ConnectionStringName}). " +
                "`make up` sets it; see README.");
}
