using Npgsql;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>A fresh database on the test PostgreSQL server per test class, so tests never see each other's rows.</summary>
public static class TestDatabase
{
    public static async Task<string> CreateAsync(string prefix = "t")
    {
        var server = new NpgsqlConnectionStringBuilder(TestServers.Postgres);
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 1 + 32, 63)];
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        server.Database = name;
        server.Pooling = true;
        return server.ConnectionString;
    }
}
