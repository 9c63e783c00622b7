using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>One of the platform's services hosted by the test process on a real Kestrel port (logging quietly).</summary>
public static class InProcessService
{
    private static int _hosts;

    public static WebApplicationFactory<T> Start<T>(int port, Action<IWebHostBuilder> configure) where T : class
    {
        var factory = new WebApplicationFactory<T>().WithWebHostBuilder(b =>
        {
            configure(b);
            b.UseSetting("urls", $"http://127.0.0.1:{port}");
            // Several hosts share this process: each exports its own instruments (Telemetry.ScopedMeterName).
            b.UseSetting("Telemetry:MeterSuffix", $"@{Interlocked.Increment(ref _hosts)}");
            TestLogging.Quiet(b);
        });
        factory.UseKestrel();
        factory.StartServer();
        return factory;
    }
}
