using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Platform.Engine.SystemApi;
using Wasmtime;

namespace Platform.Engine.Runtime;

/// <summary>A canister module, rewritten, validated and compiled once; shared by every canister that installs it.</summary>
internal sealed class CompiledModule(byte[] hash, WasmModuleInfo info, Module module, Linker linker, int originalSize, byte[] installed)
{
    /// <summary>The module as installed (gzipped or not): what a persistent instance stores to rebuild the canister.</summary>
    public byte[] Installed { get; } = installed;

    /// <summary>SHA-256 of the module as installed (before rewriting): what <c>canister_status</c> reports.</summary>
    public byte[] Hash { get; } = hash;
    public WasmModuleInfo Info { get; } = info;
    public Module Module { get; } = module;
    public Linker Linker { get; } = linker;
    public int OriginalSize { get; } = originalSize;

    /// <summary>Motoko marks modules built for enhanced orthogonal persistence with this custom section.</summary>
    public bool UsesEnhancedOrthogonalPersistence =>
        Info.CustomSections.ContainsKey("icp:private enhanced-orthogonal-persistence") ||
        Info.CustomSections.ContainsKey("icp:public enhanced-orthogonal-persistence");

    public bool Exports(string name) => Info.Exports.Contains(name);
}

/// <summary>
/// Compiles canister modules on one Wasmtime engine. Compiled modules are cached in memory by the SHA-256 of the
/// installed bytes and, when a directory is configured, on disk in Wasmtime's serialized form (which loads in
/// about a millisecond instead of compiling for hundreds).
/// </summary>
internal sealed partial class WasmRuntime : IDisposable
{
    /// <summary>The IC refuses modules above this size (compressed or not); chunked install lifts the ingress limit only.</summary>
    public const int MaxModuleBytes = 100 * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Lazy<CompiledModule>> _modules = new();
    private readonly string? _cacheDirectory;
    private readonly ILogger _logger;

    public WasmRuntime(string? cacheDirectory, ILogger<WasmRuntime> logger, bool copyOnWriteHeaps = true)
    {
        _logger = logger;
        _cacheDirectory = cacheDirectory;
        if (_cacheDirectory is not null) Directory.CreateDirectory(_cacheDirectory);
        // Fuel meters instructions per message; memory64 (Motoko's enhanced orthogonal persistence), bulk memory
        // and multi-value are what canister modules use. Nothing else is switched on.
        var config = new Config()
            .WithFuelConsumption(true)
            .WithMemory64(true)
            .WithBulkMemory(true)
            .WithMultiValue(true)
            .WithReferenceTypes(true)
            .WithSIMD(true)
            .WithWasmThreads(false)
            .WithMultiMemory(false);
        CopyOnWriteHeaps = copyOnWriteHeaps && HostMemory.Install(config);
        Engine = new Wasmtime.Engine(config);
    }

    /// <summary>Heaps are <see cref="HostMemory"/> (copy-on-write, rolled back without copying); else snapshots copy them.</summary>
    public bool CopyOnWriteHeaps { get; }

    public Wasmtime.Engine Engine { get; }

    /// <summary>Compiles (or finds) the module; throws <see cref="InvalidWasmException"/> with the IC's message for a bad one.</summary>
    public CompiledModule Compile(byte[] wasm)
    {
        if (wasm.Length > MaxModuleBytes)
        {
            throw new InvalidWasmException($"Wasm module size of {wasm.Length} bytes exceeds the limit of {MaxModuleBytes} bytes");
        }
        // The IC's module_hash is the SHA-256 of the module as installed, gzipped or not.
        var hash = SHA256.HashData(wasm);
        var key = Convert.ToHexStringLower(hash);
        var lazy = _modules.GetOrAdd(key, _ => new Lazy<CompiledModule>(() =>
            Build(wasm.Length >= 2 && wasm[0] == 0x1f && wasm[1] == 0x8b ? Gunzip(wasm) : wasm, hash, key, wasm)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _modules.TryRemove(key, out _);
            throw;
        }
    }

    private CompiledModule Build(byte[] wasm, byte[] hash, string key, byte[] installed)
    {
        var (rewritten, info) = WasmModuleRewriter.Rewrite(wasm);
        if (SystemApiImports.Validate(info) is { } problem) throw new InvalidWasmException(problem);

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Module? module = null;
        var cached = _cacheDirectory is null ? null : Path.Combine(_cacheDirectory, key + ".cwasm");
        if (cached is not null && File.Exists(cached))
        {
            try { module = Module.DeserializeFile(Engine, key, cached); }
            catch (Exception e) { LogCacheUnreadable(cached, e.Message); }
        }
        var fromCache = module is not null;
        if (module is null)
        {
            try { module = Module.FromBytes(Engine, key, rewritten); }
            catch (WasmtimeException e) { throw new InvalidWasmException($"Wasm module is not valid: {FirstLine(e.Message)}"); }
            if (cached is not null) WriteCache(cached, module);
        }

        var linker = new Linker(Engine);
        SystemApiHost.Define(linker, info);
        LogCompiled(key, wasm.Length, fromCache, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new CompiledModule(hash, info, module, linker, wasm.Length, installed);
    }

    private void WriteCache(string path, Module module)
    {
        try
        {
            // Written under a temporary name and renamed, so a reader never sees half a file.
            var temporary = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(temporary, module.Serialize());
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException e) { LogCacheUnreadable(path, e.Message); }
    }

    private static byte[] Gunzip(byte[] gz)
    {
        try
        {
            using var input = new System.IO.Compression.GZipStream(new MemoryStream(gz), System.IO.Compression.CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = input.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, n);
                if (output.Length > MaxModuleBytes) throw new InvalidWasmException($"Decompressed wasm module exceeds the limit of {MaxModuleBytes} bytes");
            }
            return output.ToArray();
        }
        catch (InvalidDataException) { throw new InvalidWasmException("Failed to decode wasm module: the gzip stream is corrupt"); }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    public void Dispose() => Engine.Dispose();

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Compiled module {Hash} ({Bytes} bytes, from disk cache: {FromCache}) in {Milliseconds:F1} ms")]
    private partial void LogCompiled(string hash, int bytes, bool fromCache, double milliseconds);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Compiled-module cache file {Path} was not usable: {Reason}")]
    private partial void LogCacheUnreadable(string path, string reason);
}
