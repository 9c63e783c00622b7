using System.Diagnostics;
using System.Net.Sockets;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// A RabbitMQ node of the test's own (own node name, ports, dirs and Erlang cookie), for tests that stop the
/// broker for real or need their own exchanges. Started as ENVIRONMENT.md says: the real server script as root,
/// not the /usr/sbin wrapper, and ready only when the AMQP port accepts connections.
/// </summary>
public sealed class ThrowawayRabbitMq : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";
    private readonly string _dir;
    private readonly string _node;
    private Process? _server;

    public int Port { get; }
    private readonly int _distPort;
    public string Uri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    private ThrowawayRabbitMq(string dir, string node, int port, int distPort) => (_dir, _node, Port, _distPort) = (dir, node, port, distPort);

    public static async Task<ThrowawayRabbitMq> StartAsync()
    {
        if (!File.Exists(Path.Combine(Bin, "rabbitmq-server")))
            throw new InvalidOperationException("rabbitmq-server is not installed: `make test` (scripts/deps.sh) installs it.");
        // A free port is free only when it is picked: another node started at the same time (tests run in parallel)
        // may take it first. Then this node cannot listen and exits, and it is started again on other ports.
        for (var attempt = 1; ; attempt++)
        {
            var id = Guid.NewGuid().ToString("N")[..8];
            var dir = Path.Combine(Path.GetTempPath(), $"platform-rmq-{id}");
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "enabled_plugins"), "[].");
            var broker = new ThrowawayRabbitMq(dir, $"t{id}@localhost", ThrowawayPostgres.FreePort(), ThrowawayPostgres.FreePort());
            try
            {
                await broker.StartServerAsync();
                return broker;
            }
            catch (PortTakenException) when (attempt < 3)
            {
                await broker.DisposeAsync();
            }
        }
    }

    private sealed class PortTakenException(string message) : Exception(message);

    public async Task StartServerAsync()
    {
        var psi = Psi(Path.Combine(Bin, "rabbitmq-server"));
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        _server = Process.Start(psi) ?? throw new InvalidOperationException("cannot start rabbitmq-server");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_server.HasExited)
                throw new PortTakenException($"rabbitmq-server exited with {_server.ExitCode} (a port taken?); logs in {_dir}/log");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
            }
            catch (SocketException)
            {
                await Task.Delay(250);
                continue;
            }
            // Something listens on the port: ready when it is this node (it may be another process that took it).
            if (await ListensAsync())
                return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"RabbitMQ did not listen on {Port} within 90 s; logs in {_dir}/log");
    }

    private async Task<bool> ListensAsync()
    {
        var psi = Psi(Path.Combine(Bin, "rabbitmq-diagnostics"), "-q", "--timeout", "30", "check_port_listener", Port.ToString());
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var check = Process.Start(psi)!;
        var drain = Task.WhenAll(check.StandardOutput.ReadToEndAsync(), check.StandardError.ReadToEndAsync());
        await check.WaitForExitAsync();
        await drain;
        return check.ExitCode == 0;
    }

    public async Task StopServerAsync()
    {
        if (_server is null || _server.HasExited)
            return;
        using (var ctl = Process.Start(Psi(Path.Combine(Bin, "rabbitmqctl"), "-q", "--timeout", "30", "shutdown"))!)
            await ctl.WaitForExitAsync();
        if (!_server.WaitForExit(TimeSpan.FromSeconds(20)))
            _server.Kill(entireProcessTree: true);
        _server.Dispose();
        _server = null;
    }

    private ProcessStartInfo Psi(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        if (args.Length > 0)
        {
            // CLI tools: address this node, with the same HOME (hence the same Erlang cookie).
            psi.ArgumentList.Add("-n");
            psi.ArgumentList.Add(_node);
            foreach (var a in args)
                psi.ArgumentList.Add(a);
        }
        psi.Environment["RABBITMQ_NODENAME"] = _node;
        psi.Environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        psi.Environment["RABBITMQ_NODE_PORT"] = Port.ToString();
        psi.Environment["RABBITMQ_DIST_PORT"] = _distPort.ToString();
        psi.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(_dir, "mnesia");
        psi.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(_dir, "log");
        psi.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_dir, "enabled_plugins");
        psi.Environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        psi.Environment["HOME"] = _dir;
        return psi;
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopServerAsync(); } catch (Exception) { _server?.Kill(entireProcessTree: true); }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
