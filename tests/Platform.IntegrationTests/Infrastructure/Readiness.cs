using System.Diagnostics;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>Waiting for a process the tests started to answer over HTTP, failing early if it dies.</summary>
public static class Readiness
{
    public static async Task WaitAsync(Process process, string what, TimeSpan within,
        Func<Task<HttpResponseMessage>> probe, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{what} exited with {process.ExitCode}:\n{diagnostics?.Invoke()}");
            try
            {
                using var response = await probe();
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{what} was not ready within {within.TotalSeconds:0} s:\n{diagnostics?.Invoke()}");
    }
}
