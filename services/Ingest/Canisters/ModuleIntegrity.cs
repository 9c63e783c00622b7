using Marten;
using Microsoft.Extensions.Options;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;
using Platform.Registry.Writing;
using Platform.Ingest.Storage;

namespace Platform.Ingest.Canisters;

public sealed class CanisterOptions
{
    public const string Section = "Canisters";

    /// <summary>How often every stored module is hashed again (disks rot; a restore can bring back the wrong file).</summary>
    public TimeSpan IntegrityInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Re-checks stored canister modules: the layer of every live version is read from the content store, gunzipped and
/// hashed, and a version whose bytes no longer hash to its moduleHash is recorded as corrupted (an event, so the audit
/// log has it and the version shows <c>corrupted: true</c>). A layer missing from the local store is not corrupt: its
/// pinned IPFS copy is what reads fall back to. The wasm read checks the same on every download.
/// </summary>
internal sealed partial class ModuleIntegrity(IDocumentStore store, ContentStore content, RegistryWriter writer,
    IOptions<CanisterOptions> options, ILogger<ModuleIntegrity> logger) : BackgroundService
{
    public const string Actor = "system:integrity";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.IntegrityInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var corrupted = await CheckOnceAsync(stoppingToken);
                if (corrupted > 0)
                    LogCorrupted(corrupted);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogCheckFailed(e, options.Value.IntegrityInterval);
            }
        }
    }

    /// <summary>One pass over every module; returns how many versions it newly found corrupted.</summary>
    public async Task<int> CheckOnceAsync(CancellationToken ct)
    {
        List<CanisterModule> modules;
        await using (var query = store.QuerySession())
            modules = [.. await query.Query<CanisterModule>().ToListAsync(ct)];
        var corrupted = 0;
        foreach (var module in modules)
            foreach (var version in module.Versions.Values.Where(v => !v.Corrupted))
            {
                ct.ThrowIfCancellationRequested();
                if (!File.Exists(content.BlobPath(version.ModuleDigest)))
                    continue;
                var stored = await StoredModule.ReadAsync(content, version.ModuleDigest, version.ModuleMediaType, ct);
                if (stored.Hash == version.ModuleHash)
                    continue;
                if (await RecordAsync(module.Name, version, stored, ct))
                    corrupted++;
            }
        return corrupted;
    }

    /// <summary>Records that <paramref name="version"/>'s bytes read as <paramref name="stored"/>, which is not its hash.</summary>
    public async Task<bool> RecordAsync(string repository, CanisterVersion version, StoredModule stored, CancellationToken ct)
    {
        var found = stored.Hash ?? stored.Problem ?? "unreadable";
        LogMismatch(repository, version.Digest, version.ModuleHash, found);
        return await writer.RecordCanisterCorruptedAsync(repository, version.Digest, found, WriteContext.System(Actor), ct);
    }

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "module integrity check found {Count} corrupted versions")]
    private partial void LogCorrupted(int count);

    [LoggerMessage(EventId = 81, Level = LogLevel.Warning, Message = "module integrity check failed; trying again in {Interval}")]
    private partial void LogCheckFailed(Exception error, TimeSpan interval);

    [LoggerMessage(EventId = 82, Level = LogLevel.Error, Message = "stored module of {Repository}@{Digest} should hash to {ModuleHash} but reads as {Found}")]
    private partial void LogMismatch(string repository, string digest, string moduleHash, string found);
}
