using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.Ipfs;

public static class KuboServiceCollectionExtensions
{
    /// <summary>The name of the readiness check this registers.</summary>
    public const string HealthCheckName = "ipfs";

    /// <summary>
    /// Binds <see cref="KuboOptions"/> from the "Ipfs" section, registers <see cref="KuboClient"/> as a typed
    /// HttpClient and adds the "ipfs" health check tagged "ready" (it shows on /readyz).
    /// </summary>
    public static IServiceCollection AddKuboClient(this IServiceCollection services, IConfiguration configuration,
        bool readinessCheck = true)
    {
        services.AddOptions<KuboOptions>()
            .Bind(configuration.GetSection(KuboOptions.SectionName))
            .Validate(o => Uri.TryCreate(o.ApiUrl, UriKind.Absolute, out _), "Ipfs:ApiUrl must be an absolute URL")
            .Validate(o => o.ReadTimeout > TimeSpan.Zero && o.PinTimeout > TimeSpan.Zero, "Ipfs timeouts must be positive");

        services.AddHttpClient<KuboClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<IOptions<KuboOptions>>().Value;
            http.BaseAddress = new Uri(options.ApiUrl);
            http.Timeout = options.RequestTimeout;
        });

        if (readinessCheck)
            services.AddHealthChecks().AddCheck<KuboHealthCheck>(HealthCheckName, tags: new[] { "ready" });
        return services;
    }
}
