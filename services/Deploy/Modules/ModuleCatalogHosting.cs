using Microsoft.Extensions.Options;
using Platform.Hosting.Observability;
using Platform.Hosting.Security;

namespace Platform.Deploy.Modules;

internal static class ModuleCatalogHosting
{
    /// <summary>
    /// The canister-modules API of Metadata over h2c (the backends' protocol). With Auth:InternalKey set, Metadata
    /// trusts only signed requests: Deploy signs its own as the actor <c>system:deploy</c>.
    /// </summary>
    public static IServiceCollection AddModuleCatalog(this IServiceCollection services)
    {
        services.AddTransient<SignedAsDeploy>();
        services.AddHttpClient<IModuleCatalog, MetadataModuleCatalog>((sp, http) => Backend(http, sp.GetRequiredService<IOptions<DeployOptions>>().Value.ModulesUrl))
            .AddHttpMessageHandler<SignedAsDeploy>();
        // The bytes are Ingest's (Metadata answers where they are, not them), signed the same way.
        services.AddHttpClient(MetadataModuleCatalog.BytesClient, (sp, http) => Backend(http, sp.GetRequiredService<IOptions<DeployOptions>>().Value.ModuleBytesUrl))
            .AddHttpMessageHandler<SignedAsDeploy>();
        return services;
    }

    private static void Backend(HttpClient http, string url)
    {
        http.BaseAddress = new Uri(url.TrimEnd('/') + "/");
        http.DefaultRequestVersion = new Version(2, 0);
        http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        http.Timeout = TimeSpan.FromMinutes(2);
    }

    private sealed class SignedAsDeploy(IConfiguration configuration) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (configuration[GatewayActor.KeySetting] is { Length: > 0 } key)
            {
                var requestId = Guid.NewGuid().ToString("N");
                request.Headers.TryAddWithoutValidation(RequestIds.Header, requestId);
                request.Headers.TryAddWithoutValidation(GatewayActor.ActorHeader, Releases.Actor.System.Name);
                request.Headers.TryAddWithoutValidation(GatewayActor.SignatureHeader, GatewayActor.Sign(key, Releases.Actor.System.Name, requestId));
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
