using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// The real servers the integration tests run against. `make test` starts an isolated PostgreSQL, RabbitMQ and
/// IPFS node on spare ports and exports PLATFORM_TEST_*; those win. Without them, and only when a Docker engine
/// answers, the servers are started with Testcontainers. With neither, the test fails saying how to get them,
/// never a silent skip.
/// </summary>
public static class TestServers
{
    private static readonly Lazy<string> PostgresServer = new(() => FromEnvOrContainer("PLATFORM_TEST_POSTGRES", () =>
    {
        var container = new PostgreSqlBuilder("postgres:15").Build();
        Start(container);
        return container.GetConnectionString();
    }));

    private static readonly Lazy<string> RabbitMqServer = new(() => FromEnvOrContainer("PLATFORM_TEST_RABBITMQ", () =>
    {
        var container = new RabbitMqBuilder("rabbitmq:3.10-management").Build();
        Start(container);
        return container.GetConnectionString();
    }));

    private static readonly Lazy<string> IpfsServer = new(() => FromEnvOrContainer("PLATFORM_TEST_IPFS", () =>
    {
        var container = new ContainerBuilder("ipfs/kubo:latest")
            .WithPortBinding(5001, assignRandomHostPort: true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(5001).ForPath("/api/v0/id").WithMethod(HttpMethod.Post)))
            .Build();
        Start(container);
        return $"http://{container.Hostname}:{container.GetMappedPublicPort(5001)}";
    }));

    /// <summary>Npgsql connection string of a PostgreSQL server where tests may create databases (superuser).</summary>
    public static string Postgres => PostgresServer.Value;

    /// <summary>AMQP URI of a RabbitMQ broker, e.g. amqp://guest:guest@127.0.0.1:5673/</summary>
    public static string RabbitMq => RabbitMqServer.Value;

    /// <summary>Base URL of a Kubo RPC API, e.g. http://127.0.0.1:5001</summary>
    public static string Ipfs => IpfsServer.Value;

    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw Missing(name, null);

    private static string FromEnvOrContainer(string name, Func<string> container)
    {
        if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            return value;
        try
        {
            return container();
        }
        catch (Exception e) when (e is DockerUnavailableException || e.InnerException is DockerUnavailableException)
        {
            throw Missing(name, e);
        }
    }

    // Containers live as long as the test process: Testcontainers' resource reaper removes them afterwards.
    private static void Start(IContainer container) => container.StartAsync().GetAwaiter().GetResult();

    private static InvalidOperationException Missing(string name, Exception? inner) => new(
        $"{name} is not set and no Docker engine answers for Testcontainers. Run the suite with `make test`, which " +
        "starts PostgreSQL, RabbitMQ and an IPFS node on spare ports and exports PLATFORM_TEST_POSTGRES, " +
        "PLATFORM_TEST_RABBITMQ and PLATFORM_TEST_IPFS; or start them yourself and export those variables.", inner);
}
