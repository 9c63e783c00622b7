using System.Diagnostics;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// One of the platform's services as a real process, run from its own build output (built with the tests, as a
/// project reference), so a test can kill it the way a crash would (SIGKILL) and start it again.
/// </summary>
/// <param name="readinessPath">What answers 2xx once the service is ready (the backends' /readyz).</param>
/// <param name="http2">Backends speak h2c only; the engine speaks HTTP/1.1 like PocketIC.</param>
public sealed class ServiceProcess(string project, int port, IReadOnlyDictionary<string, string> settings,
    string readinessPath = "/readyz", bool http2 = true) : IAsyncDisposable
{
    private Process? _process;
    private readonly List<string> _output = [];

    public int Port => port;
    public string Url => $"http://127.0.0.1:{port}";
    public string Output { get { lock (_output) return string.Join('\n', _output.TakeLast(60)); } }

    public async Task StartAsync()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var bin = Path.Combine(RepositoryRoot.Path, "services", project, "bin", configuration, "net10.0");
        var dll = Path.Combine(bin, $"Platform.{project}.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{dll} is missing: build the solution first (the tests reference every service).");

        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = bin, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(Url);
        foreach (var (key, value) in settings)
            psi.Environment[key.Replace(":", "__")] = value;
        psi.Environment["DOTNET_ENVIRONMENT"] = "Development";
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {project}");
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (_output) _output.Add(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (_output) _output.Add(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // h2c backends are probed with HTTP/2 prior knowledge.
        using var http = http2
            ? new HttpClient { DefaultRequestVersion = new Version(2, 0), DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(2) }
            : new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Readiness.WaitAsync(_process, project, TimeSpan.FromSeconds(90), () => http.GetAsync($"{Url}{readinessPath}"), () => Output);
    }

    /// <summary>SIGKILL: no graceful shutdown, in-flight work is lost as in a crash.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}
