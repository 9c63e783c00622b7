using Microsoft.Extensions.Options;
using Platform.Engine.Instances;
using Platform.Engine.Runtime;

namespace Platform.Engine.Persistence;

/// <summary>
/// With <c>Engine:DataDirectory</c> set, loads (or creates) the long-lived instance named <c>platform</c> before
/// the server listens, so it is always instance 0, and closes its log on shutdown. Instances clients create stay
/// in memory, as in PocketIC.
/// </summary>
internal sealed partial class PersistentInstanceService(
    IOptions<EngineOptions> options, InstanceRegistry registry, WasmRuntime runtime, ILogger<PersistentInstanceService> logger) : IHostedService
{
    public const string InstanceName = "platform";

    private EngineInstance? _instance;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(o.DataDirectory)) return Task.CompletedTask;
        var directory = Path.GetFullPath(Path.Combine(o.DataDirectory, InstanceName));
        try
        {
            _instance = InstanceStore.Open(directory, registry, runtime, Math.Max(1, o.PersistentSubnets), o.LogCompactionBytes, logger);
        }
        catch (Exception e) when (e is CheckpointCorruptException or IOException or UnauthorizedAccessException)
        {
            LogCannotLoad(e, directory);
            throw;
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_instance?.Store is not { } store) return;
        // Every commit is on disk already; this only waits for the request being executed and closes the log.
        await _instance.Gate.WaitAsync(cancellationToken);
        try { store.Dispose(); }
        finally { _instance.Gate.Release(); }
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Critical, Message = "The persistent instance in {Directory} cannot be loaded; the engine does not start")]
    private partial void LogCannotLoad(Exception exception, string directory);
}
