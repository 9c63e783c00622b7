using Microsoft.Extensions.Options;
using Platform.Hosting.Observability;
using Platform.Hosting.Security;

namespace Platform.Deploy.Modules;

internal static class ModuleCatalogHosting
{
    /// <summary>
    /// The canister-modules API of Metadata, and Ingest for the bytes, over h2c (the backends' protocol). With Auth:InternalKey set, Metadata
    /// trusts only signed requests: Deploy signs its own as the actor <c>system:deploy</c>.
    /// </summary>
    public static IServiceCollection AddModuleCatalog(this IServiceCollection services)
    {
        services.AddTransient<SignedAsDeploy>();
        services.AddOptions<DeployOptions>().PostConfigure<IConfiguration>((o, configuration) =>
            o.ModuleBytesUrl ??= configuration["Services:Ingest"] ?? "http://127.0.0.1:5101");
        services.AddHttpClient<IModuleCatalog, MetadataModuleCatalog>((sp, http) =>
            {
                http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<DeployOptions>>().Value.ModulesUrl.TrimEnd('/') + "/");
                http.DefaultRequestVersion = new Version(2, 0);
                http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
                http.Timeout = TimeSpan.FromMinutes(2);
            })
            .AddHttpMessageHandler<SignedAsDeploy>();
        return services;
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
