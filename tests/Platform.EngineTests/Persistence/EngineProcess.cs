using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Candid;

namespace Platform.EngineTests.Persistence;

/// <summary>
/// The engine as a real process, from its own build output (a project reference of these tests), on a free port
/// it reports through <c>--port-file</c>, so a test can kill it as a crash would (SIGKILL) or stop it (SIGTERM).
/// </summary>
internal sealed class EngineProcess : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private readonly List<string> _output = [];
    private Process? _process;

    public EngineProcess(string dataDirectory) => _dataDirectory = dataDirectory;

    public HttpClient Http { get; private set; } = new();
    public string Output { get { lock (_output) return string.Join('\n', _output.TakeLast(40)); } }
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public async Task StartAsync(bool expectFailure = false)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var bin = Path.Combine(Fixtures.RepositoryRoot(), "services", "Engine", "bin", configuration, "net10.0");
        var portFile = Path.Combine(Path.GetTempPath(), $"engine-port-{Guid.NewGuid():N}");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = bin, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(bin, "Platform.Engine.dll"), "--urls", "http://127.0.0.1:0" }) psi.ArgumentList.Add(arg);
        psi.Environment["Engine__DataDirectory"] = _dataDirectory;
        psi.Environment["Engine__PortFile"] = portFile;
        psi.Environment["DOTNET_ENVIRONMENT"] = "Development";
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the engine");
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (_output) _output.Add(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (_output) _output.Add(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!File.Exists(portFile))
        {
            if (_process.HasExited)
            {
                // HasExited can be true before the last lines of output were read; WaitForExitAsync waits for the
                // redirected streams to end, so Output holds what the engine said before it exited.
                await _process.WaitForExitAsync();
                if (expectFailure) return;
                throw new InvalidOperationException($"the engine exited with {_process.ExitCode}:\n{Output}");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the engine did not listen within 90 s:\n{Output}");
            await Task.Delay(50);
        }
        if (expectFailure) throw new InvalidOperationException("the engine started although it should have refused to");
        var port = int.Parse((await File.ReadAllTextAsync(portFile)).Trim());
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>SIGKILL: nothing is flushed or closed, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>SIGTERM: the host's graceful shutdown.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Http.Dispose();
    }

    // ---- PocketIC calls on the persistent instance (instance 0) ----

    public async Task<JsonElement> Post(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync($"/instances/0/{path}", body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<byte[]> Call(string kind, Principal canister, string method, byte[] payload, object? effective = null)
    {
        var result = await Post(kind, new Dictionary<string, object>
        {
            ["sender"] = Convert.ToBase64String(EngineHarness.Alice.Bytes),
            ["canister_id"] = Convert.ToBase64String(canister.Bytes),
            ["method"] = method,
            ["payload"] = Convert.ToBase64String(payload),
            ["effective_principal"] = effective ?? "None",
        });
        if (result.TryGetProperty("Ok", out var ok)) return ok.GetBytesFromBase64();
        throw new InvalidOperationException($"{method} was rejected: {result}");
    }

    public Task<byte[]> Update(Principal canister, string method, byte[] payload, object? effective = null) =>
        Call("update/execute_ingress_message", canister, method, payload, effective);

    public Task<byte[]> Query(Principal canister, string method) => Call("read/query", canister, method, EngineHarness.NoArgs);

    /// <summary>Creates a canister on the persistent instance and installs <paramref name="wasm"/> on it.</summary>
    public async Task<Principal> Install(byte[] wasm, byte[] arg)
    {
        var id = EngineHarness.CanisterIdOf(await Update(Principal.ManagementCanister, "provisional_create_canister_with_cycles", EngineHarness.CreateArgs()));
        await Update(Principal.ManagementCanister, "install_code", EngineHarness.InstallArgs(id, wasm, arg),
            new Dictionary<string, string> { ["CanisterId"] = Convert.ToBase64String(id.Bytes) });
        return id;
    }
}
