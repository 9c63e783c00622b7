using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.EndToEnd;

/// <summary>
/// The docker CLI against the private Docker daemon `make test` starts (PLATFORM_TEST_DOCKER_HOST), with a config
/// directory of its own (its logins), so nothing of the machine's docker setup is read or written.
/// </summary>
public sealed class DockerCli(string configDirectory)
{
    private static readonly Lazy<Task> Daemon = new(CheckDaemonAsync);

    public static string DaemonHost => Environment.GetEnvironmentVariable("PLATFORM_TEST_DOCKER_HOST") is { Length: > 0 } host
        ? host
        : throw new InvalidOperationException("PLATFORM_TEST_DOCKER_HOST is not set: run the suite with `make test` " +
            "(scripts/test.sh), which starts a private Docker daemon and exports it, or start dockerd yourself and export " +
            "PLATFORM_TEST_DOCKER_HOST=unix:///path/to/docker.sock.");

    /// <summary>Where the daemon's HTTPS_PROXY points (make test starts it with one): the tests serve a proxy there.</summary>
    public static int ProxyPort => int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_TEST_DOCKER_PROXY_PORT"), out var port)
        ? port
        : throw new InvalidOperationException("PLATFORM_TEST_DOCKER_PROXY_PORT is not set: run the suite with `make test`, " +
            "which starts the Docker daemon with HTTPS_PROXY=http://127.0.0.1:PORT and exports PORT, or do the same yourself.");

    private Dictionary<string, string> Environment_ => new()
    {
        ["DOCKER_HOST"] = DaemonHost,
        ["DOCKER_CONFIG"] = configDirectory,
    };

    public async Task<Tool.Result> RunAsync(string[] arguments, string? input = null)
    {
        await Daemon.Value;
        return await Tool.RunAsync("docker", arguments, TimeSpan.FromMinutes(3), Environment_, input);
    }

    public async Task<string> RunCheckedAsync(params string[] arguments) => await RunCheckedAsync(arguments, input: null);

    public async Task<string> RunCheckedAsync(string[] arguments, string? input)
    {
        await Daemon.Value;
        return await Tool.RunCheckedAsync("docker", arguments, TimeSpan.FromMinutes(3), Environment_, input);
    }

    /// <summary>The daemon answers, or every docker test fails with the end of its log (a daemon that did not start is no skip).</summary>
    private static async Task CheckDaemonAsync()
    {
        var version = await Tool.RunAsync("docker", ["version", "--format", "{{.Server.Version}}"], TimeSpan.FromMinutes(1),
            new Dictionary<string, string> { ["DOCKER_HOST"] = DaemonHost });
        if (version.ExitCode == 0 && version.StdOut.Trim().Length > 0)
            return;
        var logFile = Environment.GetEnvironmentVariable("PLATFORM_TEST_DOCKER_LOG");
        var log = logFile is { Length: > 0 } && File.Exists(logFile)
            ? string.Join('\n', File.ReadLines(logFile).TakeLast(60))
            : "(no daemon log: PLATFORM_TEST_DOCKER_LOG is not set or names no file)";
        throw new InvalidOperationException(
            $"the Docker daemon at {DaemonHost} does not answer (docker version exited {version.ExitCode}: {version.StdErr.Trim()}).\n" +
            $"Its log ({logFile}):\n{log}");
    }
}
