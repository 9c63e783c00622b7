using Marten;
using Microsoft.Extensions.Options;
using Platform.Candid;
using Platform.Engine.Client;

namespace Platform.Deploy.Engine;

/// <summary>The instance Deploy created on a server that names none, remembered across restarts.</summary>
public sealed class EngineBinding
{
    public string Id { get; set; } = "";
    public int InstanceId { get; set; }
}

/// <summary>
/// The engine instance releases run on: the one named <see cref="EngineOptions.Instance"/> when the server lists it
/// (the platform's engine), else one Deploy created earlier on this server, else a new one.
/// </summary>
internal sealed partial class EngineConnection(PocketIcClient client, IDocumentStore store, IOptions<EngineOptions> options, ILogger<EngineConnection> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PocketIcInstance? _instance;

    public Principal Controller { get; } = options.Value.Controller is { Length: > 0 } text
        ? Principal.FromText(text)
        : Principal.SelfAuthenticating("platform-deploy"u8);

    public async Task<PocketIcInstance> InstanceAsync(CancellationToken cancellationToken)
    {
        if (_instance is { } known) return known;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_instance is not null) return _instance;
            var o = options.Value;
            if (o.InstanceId is { } configured) return _instance = client.Instance(configured);
            var named = (await client.ListInstancesAsync(cancellationToken)).FirstOrDefault(i => i.Name == o.Instance && i.State == "Available");
            if (named is not null) return _instance = client.Instance(named.Id);

            var bindingId = client.ServerUrl.ToString();
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<EngineBinding>(bindingId, cancellationToken) is { } binding)
            {
                var remembered = client.Instance(binding.InstanceId);
                try
                {
                    await remembered.GetTopologyAsync(cancellationToken);
                    return _instance = remembered;
                }
                catch (PocketIcException)
                {
                    LogInstanceGone(binding.InstanceId);
                }
            }
            var created = await client.CreateInstanceAsync(SubnetConfig.WithApplicationSubnets(o.Subnets), cancellationToken);
            session.Store(new EngineBinding { Id = bindingId, InstanceId = created.Id });
            await session.SaveChangesAsync(cancellationToken);
            LogInstanceCreated(created.Id, client.ServerUrl);
            return _instance = created;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the instance (after the server lost it), so the next release finds or creates one again.</summary>
    public void Reset() => _instance = null;

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "created engine instance {InstanceId} on {Server} for releases")]
    private partial void LogInstanceCreated(int instanceId, Uri server);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "engine instance {InstanceId} is gone; creating another")]
    private partial void LogInstanceGone(int instanceId);
}
