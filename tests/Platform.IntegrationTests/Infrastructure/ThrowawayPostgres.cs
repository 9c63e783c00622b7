using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// A PostgreSQL server of the test's own, started with initdb/pg_ctl from PLATFORM_TEST_PG_BIN, for tests that
/// must stop a dependency for real without disturbing the shared test servers.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    public int Port { get; }
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=3;Pooling=false";

    private ThrowawayPostgres(string bin, string dir, int port) => (_bin, _dir, Port) = (bin, dir, port);

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var bin = TestServers.Require("PLATFORM_TEST_PG_BIN");
        var dir = Path.Combine(Path.GetTempPath(), $"platform-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var pg = new ThrowawayPostgres(bin, dir, FreePort());
        await RunAsync("chown", $"postgres {dir}");
        await pg.AsPostgresAsync("initdb", $"-D {dir}/data -A trust -U postgres");
        await pg.StartServerAsync();
        return pg;
    }

    public Task StartServerAsync() =>
        AsPostgresAsync("pg_ctl", $"-D {_dir}/data -o \"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1\" -l {_dir}/server.log -w start");

    public Task StopServerAsync() => AsPostgresAsync("pg_ctl", $"-D {_dir}/data -m fast -w stop");

    public async ValueTask DisposeAsync()
    {
        try { await StopServerAsync(); } catch (InvalidOperationException) { /* already stopped */ }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    // PostgreSQL refuses to run as root, and the tests may run as root: go through runuser when they do.
    private Task AsPostgresAsync(string tool, string arguments) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", $"-u postgres -- {Path.Combine(_bin, tool)} {arguments}")
            : RunAsync(Path.Combine(_bin, tool), arguments);

    private static async Task RunAsync(string file, string arguments)
    {
        var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} exited {process.ExitCode}: {await stdout}{await stderr}");
    }

    // Every port handed out in this process: the kernel may offer a port again once its listener is closed, and the
    // fixtures of tests running in parallel pick ports before they bind them, so the same one could go to two servers.
    private static readonly HashSet<int> Given = [];

    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given)
                if (Given.Add(port))
                    return port;
        }
    }
}
