using Platform.Gateway.Auth;
using Platform.Gateway.Auth.Accounts;
using Platform.Gateway.Auth.Authorization;
using Platform.Gateway.Auth.Tokens;

namespace Platform.Gateway.Console.Sessions;

/// <summary>
/// What the console's user may see, asked the way <see cref="RegistryGuard"/> asks for the API: repositories by pull on
/// their namespace, environments by membership of theirs, the audit log by being an admin. With auth off everything is open, as the API is then.
/// </summary>
internal sealed class ConsoleAccess(IServiceProvider services, IConfiguration configuration)
{
    public bool AuthEnabled { get; } = configuration.AuthEnabled();

    private IdentityDirectory Directory => services.GetRequiredService<IdentityDirectory>();

    /// <summary>The namespaces the user may pull from; null: all of them.</summary>
    public Task<IReadOnlySet<string>?> PullableNamespacesAsync(HttpContext http, CancellationToken ct) =>
        AuthEnabled ? Directory.PullableNamespacesAsync(http.GetCaller().Name, ct) : Task.FromResult<IReadOnlySet<string>?>(null);

    public async Task<bool> MayPullAsync(HttpContext http, string repository, CancellationToken ct) =>
        !AuthEnabled || (await Directory.AllowedActionsAsync(http.GetCaller().Name, repository, ct)).Contains(Actions.Pull);

    /// <summary>
    /// Whether the user may read a namespace's environments and their scaling: its members (any role) and admins, as
    /// the API's environment and Scaler rules decide.
    /// </summary>
    public async Task<bool> IsMemberAsync(HttpContext http, string ns, CancellationToken ct)
    {
        if (!AuthEnabled) return true;
        var (admin, role, _) = await services.GetRequiredService<IdentityStore>().StandingAsync(http.GetCaller().Name, ns, ct);
        return admin || role is not null;
    }

    public async Task<bool> IsAdminAsync(HttpContext http, CancellationToken ct) =>
        !AuthEnabled || (http.GetCaller().Name is { } name && (await Directory.FindAccountAsync(name, ct))?.IsAdmin == true);
}
