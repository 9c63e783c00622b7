using System.Diagnostics;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>Runs a real client (skopeo, podman, ipfs_cid...) and fails with its output when it fails.</summary>
public static class Tool
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <param name="input">Written to the tool's standard input, which is then closed (a password for --password-stdin).</param>
    /// <param name="workingDirectory">Where the tool runs (default: the test's own).</param>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IDictionary<string, string>? environment = null, string? input = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var a in arguments)
            psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment)
                psi.Environment[k] = v;

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{file} is not installed ({ex.Message}): `make up` or `apt-get install {file}` installs it.", ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
                process.StandardInput.Close();
            }
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in time");
            }
            return new Result(process.ExitCode, await stdout, await stderr);
        }
    }

    public static async Task<string> RunCheckedAsync(string file, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IDictionary<string, string>? environment = null, string? input = null)
    {
        var args = arguments.ToList();
        var result = await RunAsync(file, args, timeout, environment, input);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {result.ExitCode}:\n{result.StdOut}\n{result.StdErr}");
        return result.StdOut;
    }
}
