using System.Globalization;
using System.Security.Cryptography;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Runtime;
using Platform.Engine.Subnets;

namespace Platform.Engine.Persistence;

/// <summary>
/// Keeps one instance's state on disk: a snapshot (<c>snapshot.N</c>, the whole state, written aside and renamed)
/// and a log (<c>log.N</c>) of every commit since, each record checksummed and flushed to the disk before the
/// request that made it is answered. A commit holds only what changed: the metadata of the canisters that changed
/// and the heap and stable pages they wrote. When the log outgrows the snapshot, a new snapshot is written and
/// the log starts over. Loading reads the newest snapshot and replays the log up to its last whole record; a
/// torn tail (the request in flight when the process died) is cut off.
/// </summary>
internal sealed partial class InstanceStore : IDisposable
{
    private readonly string _directory;
    private readonly string _modules;
    private readonly long _compactionBytes;
    private readonly ILogger _logger;
    private readonly Dictionary<Principal, SavedCanister> _saved = [];
    private readonly HashSet<string> _modulesWritten = [];
    private EngineInstance _instance = null!;
    private FileStream _log = null!;
    private long _generation;
    private long _snapshotBytes;
    private byte[] _savedInstance = [];

    /// <summary>What the disk holds of one canister, to compare the live canister with at the next commit.</summary>
    private sealed class SavedCanister
    {
        public byte[] Meta = [];
        public PageShadow Heap = new();
        public StableMemory? Stable;
    }

    private InstanceStore(string directory, long compactionBytes, ILogger logger)
    {
        _directory = directory;
        _modules = Path.Combine(directory, "modules");
        _compactionBytes = compactionBytes;
        _logger = logger;
    }

    public string Directory => _directory;

    /// <summary>
    /// Loads the instance kept in <paramref name="directory"/> (creating it, with <paramref name="applicationSubnets"/>
    /// application subnets, when the directory is new) and keeps it there from now on.
    /// </summary>
    public static EngineInstance Open(string directory, InstanceRegistry registry, WasmRuntime runtime, int applicationSubnets,
        long compactionBytes, ILogger logger)
    {
        var store = new InstanceStore(directory, compactionBytes, logger);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        store.Load(registry, runtime, applicationSubnets);
        store.LogLoaded(directory, store._instance.Id, store._saved.Count, store._generation,
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return store._instance;
    }

    // ---- loading ----

    /// <summary>A canister as the snapshot and the log describe it, before it is built.</summary>
    private sealed class Image(CanisterMeta meta)
    {
        public CanisterMeta Meta { get; set; } = meta;
        public PageShadow Heap { get; } = new();
        public Dictionary<int, byte[]> Stable { get; } = [];
    }

    private void Load(InstanceRegistry registry, WasmRuntime runtime, int applicationSubnets)
    {
        System.IO.Directory.CreateDirectory(_modules);
        foreach (var leftover in System.IO.Directory.EnumerateFiles(_directory, "*.tmp").Concat(System.IO.Directory.EnumerateFiles(_modules, "*.tmp")))
        {
            // A snapshot or module being written when the process died: never renamed, so never part of the state.
            File.Delete(leftover);
        }
        _generation = Generations("snapshot.").DefaultIfEmpty(0).Max();
        var images = new Dictionary<string, Image>(StringComparer.Ordinal);
        InstanceMeta? instanceMeta = null;

        var snapshotPath = Path.Combine(_directory, $"snapshot.{_generation}");
        if (File.Exists(snapshotPath))
        {
            using var snapshot = File.OpenRead(snapshotPath);
            _snapshotBytes = snapshot.Length;
            var record = CheckpointRecord.ReadFrom(snapshot, out var damaged);
            if (record is null || damaged)
            {
                throw new CheckpointCorruptException($"{snapshotPath} is damaged (its checksum does not match): the engine will not start on a partial state. Restore the file from a backup or move the directory away.");
            }
            instanceMeta = Apply(record, images, instanceMeta);
        }

        var logPath = Path.Combine(_directory, $"log.{_generation}");
        _log = new FileStream(logPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        var records = 0;
        while (CheckpointRecord.ReadFrom(_log, out _) is { } record)
        {
            instanceMeta = Apply(record, images, instanceMeta);
            records++;
        }
        if (_log.Position < _log.Length)
        {
            // The rest is a record cut short by a crash (or altered on disk): it was never acknowledged. Cut it off so
            // the next commit follows the last good record.
            LogTornTail(logPath, _log.Length - _log.Position, _log.Position);
            _log.SetLength(_log.Position);
            _log.Flush(flushToDisk: true);
        }
        _log.Seek(0, SeekOrigin.End);

        _instance = registry.Create(new SubnetLayout(Application: instanceMeta?.ApplicationSubnets ?? applicationSubnets));
        _instance.Store = this;
        if (instanceMeta is not null) RestoreInstance(instanceMeta);
        foreach (var image in images.Values) Build(image, runtime);
        // After the canisters: a queued message goes back into its canister's subnet queue.
        if (instanceMeta is { } loaded)
        {
            _instance.Nonce = loaded.Nonce;
            if (loaded.Ingress is { } ingress) _instance.RestoreIngress(ingress.Select(i => i.ToEntry(_instance)).ToList());
        }
        _savedInstance = InstanceMetaOf().ToJson();
        LogReplayed(records);
        if (SavedCalls.RejectLost(_instance) is var lost and > 0) LogCallsLost(lost);
    }

    private IEnumerable<long> Generations(string prefix) =>
        System.IO.Directory.EnumerateFiles(_directory, prefix + "*")
            .Select(f => Path.GetFileName(f)[prefix.Length..])
            .Where(g => g.All(char.IsAsciiDigit) && g.Length > 0)
            .Select(g => long.Parse(g, CultureInfo.InvariantCulture));

    private static InstanceMeta? Apply(CheckpointRecord record, Dictionary<string, Image> images, InstanceMeta? instance)
    {
        foreach (var id in record.Deleted) images.Remove(id);
        foreach (var change in record.Canisters)
        {
            var meta = CanisterMeta.FromJson(change.MetaJson);
            if (!images.TryGetValue(meta.Id, out var image)) images[meta.Id] = image = new Image(meta);
            image.Meta = meta;
            image.Heap.SetLength(meta.HeapLength);
            foreach (var (index, content) in change.HeapPages) image.Heap.Write(index, content);
            foreach (var (index, content) in change.StablePages)
            {
                if (content is null) image.Stable.Remove(index);
                else image.Stable[index] = content;
            }
            foreach (var index in image.Stable.Keys.Where(i => i >= meta.StablePages).ToList()) image.Stable.Remove(index);
        }
        return record.InstanceJson is { } json ? InstanceMeta.FromJson(json) : instance;
    }

    private void RestoreInstance(InstanceMeta meta)
    {
        foreach (var saved in meta.Subnets)
        {
            var subnet = _instance.Subnets.FirstOrDefault(s => s.Id.ToString() == saved.Id)
                         ?? _instance.AddSubnetFor(Principal.FromCanisterIndex(saved.FirstIndex));
            subnet.NextIndex = saved.NextIndex;
        }
        _instance.SetTime(meta.Time, out _);
    }

    private void Build(Image image, WasmRuntime runtime)
    {
        var meta = image.Meta;
        var subnet = _instance.Subnets.FirstOrDefault(s => s.Id.ToString() == meta.Subnet)
                     ?? throw new CheckpointCorruptException($"canister {meta.Id} belongs to subnet {meta.Subnet}, which the checkpoint does not list");
        var canister = new Canister(Principal.FromText(meta.Id), subnet.Id);
        meta.ApplyTo(canister);
        canister.Stable = StableMemory.Load(meta.StablePages, image.Stable);
        if (meta.ModuleHash is { } hash)
        {
            var path = Path.Combine(_modules, hash + ".wasm");
            if (!File.Exists(path)) throw new CheckpointCorruptException($"canister {meta.Id} runs module {hash}, but {path} is missing");
            var wasm = File.ReadAllBytes(path);
            if (Convert.ToHexStringLower(SHA256.HashData(wasm)) != hash) throw new CheckpointCorruptException($"{path} does not hash to its name");
            var module = runtime.Compile(wasm);
            var limit = (long)System.Numerics.BigInteger.Min(canister.Settings.WasmMemoryLimit, long.MaxValue);
            var sandbox = CanisterSandbox.Instantiate(runtime, module, canister.Stable, limit);
            if (!sandbox.GrowTo(meta.HeapLength) || !sandbox.WriteGlobals(meta.GlobalValues()))
            {
                sandbox.Dispose();
                throw new CheckpointCorruptException($"canister {meta.Id}: the saved heap or globals do not fit module {hash}");
            }
            // Data segments were applied by instantiation; the saved heap replaces all of it.
            var memory = sandbox.Memory!;
            for (var i = 0; i < meta.HeapLength / CheckpointRecord.HeapPageSize; i++)
            {
                image.Heap.Page(i).CopyTo(memory.GetSpan((long)i * CheckpointRecord.HeapPageSize, CheckpointRecord.HeapPageSize));
            }
            sandbox.MayHaveChanged = false;
            canister.Sandbox = sandbox;
            _modulesWritten.Add(hash);
        }
        subnet.Canisters[canister.Id] = canister;
        _saved[canister.Id] = new SavedCanister { Meta = CanisterMeta.Of(canister).ToJson(), Heap = image.Heap, Stable = canister.Stable };
        canister.Stable.TakeUnsaved();
    }

    // ---- committing ----

    /// <summary>Appends what changed and waits until it is on the disk (tests, the benchmark: one caller at a time).</summary>
    public void Commit() => WhenDurableAsync(Append()).GetAwaiter().GetResult();

    // ---- group commit ----
    // Requests append their record under the instance's gate, then wait outside it for an fsync that covers it:
    // one fsync covers every record appended before it started, so concurrent requests share flushes instead of
    // queueing one flush each behind the gate. Records are numbered; _durable is the highest one on the disk.
    private readonly Lock _flushLock = new();
    private readonly Lock _fileLock = new(); // held by a flush and by compaction, which replaces _log
    private long _appended;
    private long _appendedEnd;
    private long _durable;
    private long _durableEnd;
    private Task? _flushing;
    private IOException? _flushFailure;
    private readonly List<(long After, long Through)> _lost = [];

    /// <summary>How many times the log was flushed to the disk (group commit: fewer than the records appended).</summary>
    public long Flushes { get; private set; }

    /// <summary>The number of the newest record appended; a request that read the state waits until this is durable.</summary>
    public long Appended { get { lock (_flushLock) return _appended; } }

    /// <summary>
    /// Completes when record <paramref name="sequence"/> and every one before it are on the disk, starting a flush
    /// if none is running; throws <see cref="IOException"/> when the flush that should cover it failed (its record
    /// is then written again, in full, by the next append).
    /// </summary>
    public async Task WhenDurableAsync(long sequence)
    {
        while (true)
        {
            Task flush;
            lock (_flushLock)
            {
                if (_lost.Any(l => sequence > l.After && sequence <= l.Through) || (_flushFailure is not null && sequence > _durable))
                {
                    throw new IOException($"the log could not be flushed to the disk ({_flushFailure?.Message ?? "an earlier flush failed"})");
                }
                if (sequence <= _durable) return;
                // A flush already running may have started before this record was appended: wait for it, then look again.
                flush = _flushing ??= Task.Run(FlushOnce);
            }
            await flush;
        }
    }

    private void FlushOnce()
    {
        long target, end;
        lock (_flushLock) (target, end) = (_appended, _appendedEnd);
        IOException? failure = null;
        lock (_fileLock)
        {
            try { _log.Flush(flushToDisk: true); }
            catch (IOException e) { failure = e; }
            catch (ObjectDisposedException e) { failure = new IOException("the log is closed", e); }
        }
        lock (_flushLock)
        {
            if (failure is null && target > _durable) (_durable, _durableEnd) = (target, end);
            else if (failure is not null) _flushFailure = failure;
            Flushes++;
            _flushing = null;
        }
    }

    /// <summary>
    /// Writes what changed since the last append to the log (not yet flushed: see <see cref="WhenDurableAsync"/>) and
    /// returns its number; called under the instance's gate after every request that can change state. A failed
    /// write or flush leaves the log as it was last flushed and makes the next append write everything again.
    /// </summary>
    public long Append()
    {
        lock (_flushLock)
        {
            if (_flushFailure is not null)
            {
                // Records after the last good flush may not be on the disk: cut them off and write the state in full.
                _lost.Add((_durable, _appended));
                _flushFailure = null;
                _saved.Clear();
                _savedInstance = [];
                lock (_fileLock)
                {
                    try { _log.SetLength(_durableEnd); _log.Position = _durableEnd; }
                    catch (IOException) { /* the full record below follows whatever is there; loading stops at a bad checksum */ }
                }
                _appendedEnd = _log.Position;
            }
        }
        var record = new CheckpointRecord();
        var instanceJson = InstanceMetaOf().ToJson();
        if (!instanceJson.AsSpan().SequenceEqual(_savedInstance)) record.InstanceJson = instanceJson;

        var updates = new List<(Canister Canister, SavedCanister Saved, CanisterChange Change, bool FreshStable)>();
        var live = new HashSet<Principal>();
        foreach (var canister in _instance.Subnets.SelectMany(s => s.Canisters.Values))
        {
            live.Add(canister.Id);
            var saved = _saved.GetValueOrDefault(canister.Id) ?? new SavedCanister();
            if (Diff(canister, saved) is { } change)
            {
                updates.Add((canister, saved, change.Change, change.FreshStable));
                record.Canisters.Add(change.Change);
            }
        }
        record.Deleted.AddRange(_saved.Keys.Where(id => !live.Contains(id)).Select(id => id.ToString()));
        if (record.IsEmpty) return Appended;

        var position = _log.Position;
        try
        {
            foreach (var (canister, _, _, _) in updates)
            {
                if (canister.Module is { } module) WriteModule(module);
            }
            record.WriteTo(_log);
        }
        catch (IOException)
        {
            try { _log.SetLength(position); _log.Position = position; }
            catch (IOException) { /* the next commit rewrites from scratch either way */ }
            _saved.Clear();
            _savedInstance = [];
            throw;
        }

        _savedInstance = instanceJson;
        foreach (var id in record.Deleted) _saved.Remove(Principal.FromText(id));
        foreach (var (canister, saved, change, _) in updates)
        {
            saved.Meta = change.MetaJson;
            saved.Heap.SetLength(canister.Sandbox?.HeapBytes ?? 0);
            foreach (var (index, content) in change.HeapPages) saved.Heap.Write(index, content);
            saved.Stable = canister.Stable;
            if (canister.Sandbox is { } sandbox) sandbox.MayHaveChanged = false;
            _saved[canister.Id] = saved;
        }
        long sequence;
        lock (_flushLock) (sequence, _appendedEnd) = (++_appended, _log.Position);
        if (_log.Length > Math.Max(_compactionBytes, 2 * _snapshotBytes)) Compact();
        return sequence;
    }

    private static (CanisterChange Change, bool FreshStable)? Diff(Canister canister, SavedCanister saved)
    {
        var meta = CanisterMeta.Of(canister).ToJson();
        var change = new CanisterChange(meta);
        var sandbox = canister.Sandbox;
        var heapLength = sandbox?.HeapBytes ?? 0;
        if (sandbox is not null && (sandbox.MayHaveChanged || heapLength != saved.Heap.Length))
        {
            var memory = sandbox.Memory!;
            var shadow = saved.Heap;
            // Compared against the saved heap cut to the new length (a reinstall may shrink it).
            if (heapLength < shadow.Length) shadow = CopyOf(shadow, heapLength);
            change.HeapPages.AddRange(shadow.Diff((offset, n) => memory.GetSpan(offset, n), heapLength));
        }
        var fresh = !ReferenceEquals(canister.Stable, saved.Stable);
        change.StablePages.AddRange(fresh ? canister.Stable.AllPages() : canister.Stable.TakeUnsaved());
        if (fresh)
        {
            // A new stable memory (install, uninstall): the pages it does not hold must read as zero after a reload.
            var held = change.StablePages.Select(p => p.Index).ToHashSet();
            for (var i = 0; i < Math.Min(canister.Stable.Pages, saved.Stable?.Pages ?? 0); i++)
            {
                if (!held.Contains(i)) change.StablePages.Add((i, null));
            }
        }
        if (change.HeapPages.Count == 0 && change.StablePages.Count == 0 && meta.AsSpan().SequenceEqual(saved.Meta)) return null;
        return (change, fresh);
    }

    private static PageShadow CopyOf(PageShadow shadow, long length)
    {
        var copy = new PageShadow();
        for (var i = 0; i < length / CheckpointRecord.HeapPageSize; i++) copy.Write(i, shadow.Page(i));
        copy.SetLength(length);
        return copy;
    }

    private InstanceMeta InstanceMetaOf() => new(
        _instance.Time,
        _instance.Subnets.Count(s => s.Kind == SubnetKind.Application && s.Allocation.Start > ulong.MaxValue / 2),
        _instance.Subnets.Select(s => new SavedSubnet(s.Id.ToString(), s.Allocation.Start, s.NextIndex)).ToArray(),
        _instance.Nonce, SavedIngress.Of(_instance));

    private void WriteModule(CompiledModule module)
    {
        var hash = Convert.ToHexStringLower(module.Hash);
        if (_modulesWritten.Contains(hash)) return;
        var path = Path.Combine(_modules, hash + ".wasm");
        if (!File.Exists(path)) WriteDurably(path, stream => stream.Write(module.Installed));
        _modulesWritten.Add(hash);
    }

    /// <summary>Writes a file under a temporary name, flushes it to the disk, renames it into place and flushes the directory.</summary>
    private static void WriteDurably(string path, Action<FileStream> write)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(path)!);
    }

    // ---- compaction ----

    /// <summary>Writes the whole state as snapshot N+1, starts log N+1 and removes generation N.</summary>
    private void Compact()
    {
        var record = new CheckpointRecord { InstanceJson = _savedInstance };
        foreach (var canister in _instance.Subnets.SelectMany(s => s.Canisters.Values))
        {
            var saved = _saved[canister.Id];
            var change = new CanisterChange(saved.Meta);
            change.HeapPages.AddRange(saved.Heap.NonZeroPages());
            change.StablePages.AddRange(canister.Stable.AllPages());
            record.Canisters.Add(change);
        }
        var next = _generation + 1;
        var snapshotPath = Path.Combine(_directory, $"snapshot.{next}");
        var nextLogPath = Path.Combine(_directory, $"log.{next}");
        // The empty log first: once snapshot N+1 exists, loading reads log N+1, so it must be there.
        FileStream nextLog;
        try
        {
            nextLog = new FileStream(nextLogPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
            try { WriteDurably(snapshotPath, record.WriteTo); }
            catch (IOException) { nextLog.Dispose(); File.Delete(nextLogPath); throw; }
        }
        catch (IOException e)
        {
            // The commit is safe in log N; the snapshot is tried again after the next commit.
            LogCompactionFailed(next, e.Message);
            return;
        }
        var (oldLog, oldGeneration) = (_log, _generation);
        lock (_fileLock)
        {
            (_log, _generation, _snapshotBytes) = (nextLog, next, new FileInfo(snapshotPath).Length);
            oldLog.Dispose();
        }
        // The snapshot holds every record appended so far, and it is on the disk.
        lock (_flushLock) (_durable, _durableEnd, _appendedEnd) = (_appended, 0, 0);
        // The new snapshot is in place: generation N is no longer needed to load the state.
        File.Delete(Path.Combine(_directory, $"log.{oldGeneration}"));
        File.Delete(Path.Combine(_directory, $"snapshot.{oldGeneration}"));
        LogCompacted(next, _snapshotBytes);
    }

    public void Dispose()
    {
        lock (_fileLock) _log.Dispose();
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Loaded the persistent instance from {Directory} as instance {Id}: {Canisters} canisters, generation {Generation}, in {Milliseconds:F0} ms")]
    private partial void LogLoaded(string directory, int id, int canisters, long generation, double milliseconds);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Replayed {Records} log records")]
    private partial void LogReplayed(int records);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "{Path}: dropped {Bytes} bytes after offset {Offset}, a record that was not completely written (the request in flight at a crash)")]
    private partial void LogTornTail(string path, long bytes, long offset);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Wrote snapshot {Generation} ({Bytes} bytes) and started a new log")]
    private partial void LogCompacted(long generation, long bytes);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "{Callbacks} calls were in flight when the engine stopped (messages in queues, HTTPS outcalls being performed): their callers get a reject in the next round")]
    private partial void LogCallsLost(int callbacks);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Snapshot {Generation} could not be written ({Reason}); the log keeps growing until it can")]
    private partial void LogCompactionFailed(long generation, string reason);
}
