using System.Diagnostics;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// An IPFS node of the test's own (dev/ipfs-node/run.sh on a spare port, own repo), for tests that take the node
/// down and bring it back.
/// </summary>
public sealed class ThrowawayIpfs : IAsyncDisposable
{
    private readonly string _repo = Path.Combine(Path.GetTempPath(), $"platform-ipfs-{Guid.NewGuid():N}");
    private Process? _node;
    // What the node said, for a start that fails or hangs: the only clue afterwards (as ServiceProcess keeps it).
    private readonly List<string> _output = [];
    public int Port { get; } = ThrowawayPostgres.FreePort();
    public string ApiUrl => $"http://127.0.0.1:{Port}";

    public static async Task<ThrowawayIpfs> StartAsync()
    {
        var ipfs = new ThrowawayIpfs();
        await ipfs.StartNodeAsync();
        return ipfs;
    }

    public async Task StartNodeAsync()
    {
        var script = Path.Combine(RepositoryRoot.Path, "dev", "ipfs-node", "run.sh");
        if (!File.Exists(script) || !Directory.Exists(Path.Combine(RepositoryRoot.Path, "dev", "ipfs-node", "node_modules")))
            throw new InvalidOperationException("the IPFS dev node is not installed: `make test` runs npm ci in dev/ipfs-node.");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(Port.ToString());
        psi.ArgumentList.Add(_repo);
        _node = Process.Start(psi)!;
        _node.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (_output) _output.Add(line); };
        _node.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (_output) _output.Add(line); };
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        // js-ipfs takes seconds to start on a quiet machine; beside a whole test run on two cores it once took more
        // than a minute.
        await Readiness.WaitAsync(_node, $"the IPFS node on {ApiUrl}", TimeSpan.FromSeconds(120), () => http.PostAsync($"{ApiUrl}/api/v0/id", null),
            () => { lock (_output) return string.Join('\n', _output.TakeLast(60)); });
    }

    /// <summary>Kills the node (SIGKILL: a crash, not a shutdown).</summary>
    public async Task KillAsync()
    {
        if (_node is null)
            return;
        _node.Kill(entireProcessTree: true);
        await _node.WaitForExitAsync();
        _node.Dispose();
        _node = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try { Directory.Delete(_repo, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The repository's root folder, found from the test assembly's location.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Platform.sln")))
                return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Platform.sln) above " + AppContext.BaseDirectory);
    }
}
