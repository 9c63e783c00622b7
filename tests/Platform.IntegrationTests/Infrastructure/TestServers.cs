namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// The real servers the integration tests run against. `make test` starts an isolated PostgreSQL, RabbitMQ and
/// IPFS node on spare ports and exports these variables; a missing one fails the test with how to get it,
/// never a silent skip.
/// </summary>
public static class TestServers
{
    /// <summary>Npgsql connection string of a PostgreSQL server where tests may create databases (superuser).</summary>
    public static string Postgres => Require("PLATFORM_TEST_POSTGRES");

    /// <summary>AMQP URI of a RabbitMQ broker, e.g. amqp://guest:guest@127.0.0.1:5673/</summary>
    public static string RabbitMq => Require("PLATFORM_TEST_RABBITMQ");

    /// <summary>Base URL of a Kubo RPC API, e.g. http://127.0.0.1:5001</summary>
    public static string Ipfs => Require("PLATFORM_TEST_IPFS");

    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set. Run the suite with `make test`, which starts PostgreSQL, RabbitMQ and an IPFS " +
                "node on spare ports and exports PLATFORM_TEST_POSTGRES, PLATFORM_TEST_RABBITMQ and PLATFORM_TEST_IPFS; " +
                "or start them yourself and export those variables.");
}
