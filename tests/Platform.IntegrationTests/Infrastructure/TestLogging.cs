using Microsoft.AspNetCore.Hosting;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// Services hosted by the tests log warnings and errors only, so the test run's output stays readable (the
/// broker outages the fault tests cause on purpose are expected and not logged at all).
/// </summary>
public static class TestLogging
{
    public static void Quiet(IWebHostBuilder builder)
    {
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:MassTransit", "Error");
    }
}
