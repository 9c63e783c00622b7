using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Auditing;
using Platform.Gateway.Auth.Authorization;
using Platform.Gateway.Auth.Limits;
using Platform.Gateway.Auth.Tokens;
using Platform.Gateway.Namespaces;
using Platform.Gateway.Registry;
using Platform.Hosting.Messaging;
using Platform.Hosting.Persistence;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Platform.Gateway.Auth;

/// <summary>
/// Token authentication at the gateway (configuration section "Auth"). With Auth:Enabled=false nothing of it is
/// wired (no database, no broker) and the gateway lets everything through anonymously: for the test fixtures that
/// are not about auth and for local experiments, never for a registry anyone else can reach.
/// </summary>
internal static class AuthHosting
{
    public static bool AuthEnabled(this IConfiguration configuration) =>
        configuration.GetSection(AuthOptions.Section).Get<AuthOptions>()?.Enabled ?? true;

    public static WebApplicationBuilder AddGatewayAuth(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(AuthOptions.Section);
        builder.Services.Configure<AuthOptions>(section);
        // Always: clients may never name the actor themselves.
        builder.Services.AddSingleton<ITransformProvider, ActorForwarding>();
        if (!builder.Configuration.AuthEnabled())
            return builder;

        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        // Accounts live in their own schema, in plain tables: only the gateway reads and writes them.
        builder.AddPlatformPostgres();
        builder.Services.AddSingleton<IdentityStore>();

        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SigningKeys>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<IdentityDirectory>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<AccessAudit>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<RabbitPublisher>();
        builder.Services.AddHostedService<AccessAuditSender>();
        builder.Services.AddHostedService<AuthBootstrap>();
        // After AuthBootstrap (hosted services start in order): the namespaces table exists when it reads it.
        builder.Services.AddSingleton<NamespaceSettingsPublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NamespaceSettingsPublisher>());
        builder.Services.AddSingleton<NamespaceUsageClient>();
        builder.Services.AddHttpClient(NamespaceUsageClient.ClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.AddHttpClient(CatalogEndpoint.ClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.AddHttpClient(Authorization.EnvironmentAccess.ClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.AddGatewayRateLimiting(options.RateLimit);
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>Caller authentication, rate limiting, authorization of /v2 and proxied /api requests, then upload quotas.</summary>
    public static WebApplication UseGatewayAuth(this WebApplication app)
    {
        if (!app.Configuration.AuthEnabled())
            return app;
        app.UseCallerAuthentication();
        app.UseRateLimiter();
        app.UseRegistryAuthorization();
        app.UseUploadQuotas();
        return app;
    }

    /// <summary>/token, the identity API, and the registry listings filtered to what the caller may pull.</summary>
    public static WebApplication MapGatewayAuth(this WebApplication app)
    {
        if (!app.Configuration.AuthEnabled())
            return app;
        app.MapTokenEndpoints();
        app.MapIdentityApi();
        app.MapFilteredCatalog();
        app.MapFilteredRepositoryList();
        return app;
    }
}

/// <summary>At start: loads (or creates) the signing keys, the identity tables, and the first admin if there is none.</summary>
internal sealed class AuthBootstrap(SigningKeys keys, IdentityStore store, IdentityDirectory directory,
    Microsoft.Extensions.Options.IOptions<AuthOptions> options, ILogger<AuthBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        AuthLog.SigningKeysReady(logger, keys.Location, keys.Current.Kid);
        await store.EnsureSchemaAsync(ct);
        await directory.EnsureAdminAsync(options.Value.AdminPassword, ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
