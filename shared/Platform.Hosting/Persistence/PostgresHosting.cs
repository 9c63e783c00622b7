using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Hosting.Health;

namespace Platform.Hosting.Persistence;

public static class PostgresHosting
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// The platform's PostgreSQL (ConnectionStrings:Postgres) as an <see cref="NpgsqlDataSource"/>, with a readiness
    /// check. Marten builds on it (<see cref="MartenHosting"/>); a service that only needs a few tables of its own
    /// uses it alone and does not load Marten at all.
    /// </summary>
    public static WebApplicationBuilder AddPlatformPostgres(this WebApplicationBuilder builder)
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
            // Every Marten session and store query opens a pooled connection, and Npgsql resets each one on its way
            // back with DISCARD ALL: a third of all statements the server ran during a push of small images. Nothing
            // here leaves session state behind (no SET, LISTEN, temporary tables or session-level advisory locks:
            // locks are pg_advisory_xact_lock, which ends with its transaction), so the reset is skipped. An
            // explicit "No Reset On Close" in the connection string wins.
            if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase)
                && !connectionString.Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase))
                source.ConnectionStringBuilder.NoResetOnClose = true;
            // Postgres:ReadOnlySessions, for a service that only reads (no schema changes of its own under it): the
            // statements it runs most stay prepared on each connection, so the server does not plan them again.
            // Metadata's manifest GET is two primary-key reads; the server spent 420 -> 180 us per GET (bench/),
            // together with the reset skipped above.
            if (configuration.GetValue("Postgres:ReadOnlySessions", false))
                source.ConnectionStringBuilder.MaxAutoPrepare = 20;
            return source.Build();
        });

        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres", tags: [PlatformDefaults.ReadyTag]);
        return builder;
    }

    public static string RequireConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (env ConnectionStrings__{ConnectionStringName}). " +
                "`make up` sets it; see README.");
}
