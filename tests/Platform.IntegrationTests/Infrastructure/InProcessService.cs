using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>One of the platform's services hosted by the test process on a real Kestrel port (logging quietly).</summary>
public static class InProcessService
{
    public static WebApplicationFactory<T> Start<T>(int port, Action<IWebHostBuilder> configure) where T : class
    {
        var factory = new WebApplicationFactory<T>().WithWebHostBuilder(b =>
        {
            configure(b);
            b.UseSetting("urls", $"http://127.0.0.1:{port}");
            TestLogging.Quiet(b);
        });
        factory.UseKestrel();
        factory.StartServer();
        return factory;
    }
}
