using Platform.Engine.Canisters;
using Platform.Engine.SystemApi;
using Wasmtime;

namespace Platform.Engine.Runtime;

/// <summary>
/// One instantiated canister module: its Wasmtime store and instance, heap, exported globals and the canister's
/// stable memory. Executions run through <see cref="Run"/>, which meters fuel and turns every way a module can
/// fail into an <see cref="ExecutionFailure"/> carrying the IC's error code and message.
/// </summary>
internal sealed class CanisterSandbox : IDisposable
{
    private const int SnapshotChunk = 16 * 1024 * 1024;

    private readonly WasmRuntime _runtime;

    // The heap as a copy-on-write host memory (WasmRuntime installs the creator on Linux); null: snapshots copy it.
    private HostMemory? _host;
    private Store _store;
    private Instance _instance;
    private Global[] _globals;

    public CompiledModule Module { get; }
    public StableMemory Stable { get; }
    public Memory? Memory { get; private set; }
    public Table? Table { get; private set; }
    public ApiContext? Context { get; private set; }
    public long MemoryLimitBytes { get; private set; }

    private CanisterSandbox(WasmRuntime runtime, CompiledModule module, StableMemory stable, long memoryLimitBytes)
    {
        _runtime = runtime;
        Module = module;
        Stable = stable;
        MemoryLimitBytes = memoryLimitBytes;
        (_store, _instance, _globals) = CreateInstance();
    }

    /// <summary>Instantiates the module (data segments applied, no start function run: that is <c>canister_start</c>).</summary>
    public static CanisterSandbox Instantiate(WasmRuntime runtime, CompiledModule module, StableMemory stable, long memoryLimitBytes)
    {
        try { return new CanisterSandbox(runtime, module, stable, memoryLimitBytes); }
        catch (WasmtimeException e)
        {
            throw new InvalidWasmException($"Wasm module could not be instantiated: {e.Message.Split('\n')[0]}");
        }
    }

    private (Store, Instance, Global[]) CreateInstance()
    {
        var store = new Store(_runtime.Engine, this);
        ApplyLimits(store);
        // Instantiation evaluates constant expressions and copies data segments, which Wasmtime meters once its
        // copy-on-write images are off (host memories); that is the system's work, not the canister's.
        store.Fuel = ulong.MaxValue / 2;
        var instance = Module.Linker.Instantiate(store, Module.Module);
        Memory = Module.Info.MemoryExport is { } m ? instance.GetMemory(m) : null;
        _host = Memory is null ? null : HostMemory.Find(Memory.GetPointer());
        Table = Module.Info.TableExport is { } t ? instance.GetTable(t) : null;
        var globals = Module.Info.GlobalExports.Select(g => instance.GetGlobal(g)!).ToArray();
        return (store, instance, globals);
    }

    private void ApplyLimits(Store store) =>
        store.SetLimits(memorySize: MemoryLimitBytes > 0 ? MemoryLimitBytes : null, tableElements: 1_000_000, instances: 1, tables: 4, memories: 1);

    public void SetMemoryLimit(long bytes)
    {
        MemoryLimitBytes = bytes;
        ApplyLimits(_store);
    }

    public long HeapBytes => Memory?.GetLength() ?? 0;

    public bool HasExport(string name) => Module.Exports(name);

    /// <summary>Runs an exported function with no arguments (entry points and <c>canister_start</c>).</summary>
    public ExecutionFailure? Run(ApiContext context, string export) =>
        Execute(context, () =>
        {
            if (!_functions.TryGetValue(export, out var function))
            {
                function = _instance.GetFunction(export) ?? throw new InvalidOperationException($"export {export} is missing");
                _functions[export] = function;
            }
            function.Invoke();
        });

    // Export lookups by name cost more than a small query's execution; the instance's functions never change.
    private readonly Dictionary<string, Function> _functions = new(StringComparer.Ordinal);

    /// <summary>Runs a callback from the module's table, passing its environment (i32 or i64, as the module's addresses).</summary>
    public ExecutionFailure? RunCallback(ApiContext context, long tableIndex, long env) =>
        Execute(context, () =>
        {
            if (Table is null || tableIndex < 0 || (ulong)tableIndex >= (ulong)Table.GetSize())
            {
                context.Failure = new ExecutionFailure("CanisterFunctionNotFound", $"Canister {context.Self} trapped: function invocation does not match its signature (table index {tableIndex} is out of bounds)");
                throw new CanisterTrapException(context.Failure.Message);
            }
            if (Table.GetElement((uint)tableIndex) is not Function function)
            {
                context.Failure = new ExecutionFailure("CanisterFunctionNotFound", $"Canister {context.Self} trapped: callback table entry {tableIndex} is empty");
                throw new CanisterTrapException(context.Failure.Message);
            }
            if (Module.Info.IsMemory64) function.Invoke((ValueBox)env);
            else function.Invoke((ValueBox)(int)env);
        });

    /// <summary>Set by every execution; a persistent instance compares the heap with its saved copy only when set.</summary>
    public bool MayHaveChanged { get; set; } = true;

    private ExecutionFailure? Execute(ApiContext context, Action body)
    {
        MayHaveChanged = true;
        _host?.Touch();
        _store.Fuel = (ulong)context.InstructionLimit;
        Context = context;
        _heapCopyCurrent = false;
        ExecutionFailure? failure = null;
        try
        {
            body();
            return failure = context.Failure;
        }
        catch (Exception e) when (e is WasmtimeException or CanisterTrapException or TrapException)
        {
            return failure = context.Failure ?? Describe(context, e);
        }
        finally
        {
            context.InstructionsUsed = context.InstructionLimit - (long)_store.Fuel;
            Context = null;
            Load.EngineTelemetry.Executed(context, failure is not null);
        }
    }

    private static ExecutionFailure Describe(ApiContext context, Exception e)
    {
        var self = context.Self;
        if (e is TrapException trap)
        {
            var reason = trap.Type switch
            {
                TrapCode.OutOfFuel => null,
                TrapCode.Unreachable => "unreachable",
                TrapCode.MemoryOutOfBounds => "heap out of bounds",
                TrapCode.StackOverflow => "stack overflow",
                TrapCode.IntegerDivisionByZero => "integer division by 0",
                TrapCode.IntegerOverflow => "integer overflow",
                TrapCode.BadConversionToInteger => "invalid conversion to integer",
                TrapCode.TableOutOfBounds => "table out of bounds",
                TrapCode.IndirectCallToNull => "indirect call to null",
                TrapCode.BadSignature => "function invocation does not match its signature",
                _ => trap.Message.Split('\n')[0],
            };
            if (reason is null)
            {
                return new ExecutionFailure("CanisterInstructionLimitExceeded", $"Canister {self} exceeded the instruction limit for single message execution.");
            }
            return new ExecutionFailure("CanisterTrapped", $"Canister {self} trapped: {reason}");
        }
        var text = e.Message.Split('\n')[0];
        if (text.Contains("fuel", StringComparison.OrdinalIgnoreCase))
        {
            return new ExecutionFailure("CanisterInstructionLimitExceeded", $"Canister {self} exceeded the instruction limit for single message execution.");
        }
        return new ExecutionFailure("CanisterTrapped", $"Canister {self} trapped: {text}");
    }

    /// <summary>A point to roll back to: heap, exported globals and stable memory.</summary>
    internal sealed record Snapshot(byte[][] Heap, long HeapLength, object?[] Globals, StableMemory.Snapshot Stable);

    // The heap copy is kept between executions and overwritten by the next snapshot: allocating megabytes per
    // message (large-object heap, zeroed) cost more than the copy itself. So only the latest snapshot of a
    // sandbox is valid, which is how executions use them (take, run, restore or drop).
    private byte[][] _heapCopy = [];

    // True while the heap equals _heapCopy (after a snapshot or a restore, until the next execution): a query
    // after a query, or an update after a query, then needs no copy at all.
    private bool _heapCopyCurrent;
    private long _heapCopyLength;

    public Snapshot TakeSnapshot()
    {
        if (_host is not null)
        {
            // What earlier executions kept becomes the committed heap; this snapshot is that heap, no copy needed.
            _host.Commit();
            return new Snapshot([], HeapBytes, ReadGlobalValues(), Stable.TakeSnapshot());
        }
        var length = HeapBytes;
        var count = (int)((length + SnapshotChunk - 1) / SnapshotChunk);
        if (_heapCopy.Length < count) Array.Resize(ref _heapCopy, count);
        for (var i = 0; i < count && !(_heapCopyCurrent && length == _heapCopyLength); i++)
        {
            var offset = (long)i * SnapshotChunk;
            var n = (int)Math.Min(SnapshotChunk, length - offset);
            if (_heapCopy[i] is null || _heapCopy[i].Length < n) _heapCopy[i] = GC.AllocateUninitializedArray<byte>(SnapshotChunk);
            Memory!.GetSpan(offset, n).CopyTo(_heapCopy[i]);
        }
        _heapCopyCurrent = true;
        _heapCopyLength = length;
        return new Snapshot(_heapCopy, length, ReadGlobalValues(), Stable.TakeSnapshot());
    }

    private object?[] ReadGlobalValues()
    {
        var globals = new object?[_globals.Length];
        for (var i = 0; i < globals.Length; i++) globals[i] = _globals[i].GetValue();
        return globals;
    }

    /// <summary>Copy-on-write heaps: drops the execution's pages, rebuilding the instance when the heap must shrink.</summary>
    private void RestoreHostHeap(Snapshot snapshot, bool keepGrownMemory)
    {
        if (keepGrownMemory || HeapBytes == snapshot.HeapLength)
        {
            // Pages a query grew read as zero again: nothing was ever committed past the old end.
            _host!.Discard();
            return;
        }
        // Memory cannot shrink: a new instance gets the committed heap, read from the old one after the discard.
        _host!.Discard();
        var (oldStore, oldMemory) = (_store, Memory!);
        _functions.Clear();
        (_store, _instance, _globals) = CreateInstance();
        var target = Memory!;
        if (snapshot.HeapLength > target.GetLength()) target.Grow((snapshot.HeapLength - target.GetLength()) / Wasmtime.Memory.PageSize);
        for (long offset = 0; offset < snapshot.HeapLength; offset += SnapshotChunk)
        {
            var n = (int)Math.Min(SnapshotChunk, snapshot.HeapLength - offset);
            oldMemory.GetSpan(offset, n).CopyTo(target.GetSpan(offset, n));
        }
        oldStore.Dispose();
        CommitHeap();
    }

    /// <summary>Makes the heap as it is now the committed one (after writing it from outside an execution).</summary>
    public void CommitHeap()
    {
        _host?.Touch();
        _host?.Commit();
    }

    /// <summary>True when the heap is a copy-on-write host memory (queries and traps then copy nothing).</summary>
    public bool CopyOnWrite => _host is not null;

    /// <summary>
    /// Puts the heap, globals and stable memory back. Wasm memory cannot shrink, so when the failed execution
    /// grew the heap the instance is replaced by a fresh one holding the snapshot.
    /// </summary>
    /// <param name="keepGrownMemory">
    /// For queries: keep pages the execution added, zeroed, instead of rebuilding the instance. Motoko grows the
    /// heap in many queries, and a rebuild per query cost more than the query; the pages are zero as on a fresh
    /// grow, and only <c>memory.size</c> can tell.
    /// </param>
    public void Restore(Snapshot snapshot, bool keepGrownMemory = false)
    {
        if (_host is not null)
        {
            RestoreHostHeap(snapshot, keepGrownMemory);
            for (var i = 0; i < _globals.Length; i++) _globals[i].SetValue(snapshot.Globals[i]);
            Stable.Restore(snapshot.Stable);
            return;
        }
        if (keepGrownMemory && HeapBytes > snapshot.HeapLength)
        {
            for (long offset = snapshot.HeapLength; offset < HeapBytes; offset += SnapshotChunk)
            {
                Memory!.GetSpan(offset, (int)Math.Min(SnapshotChunk, HeapBytes - offset)).Clear();
            }
        }
        else if (HeapBytes != snapshot.HeapLength)
        {
            _store.Dispose();
            _functions.Clear();
            (_store, _instance, _globals) = CreateInstance();
            if (snapshot.HeapLength > HeapBytes) Memory!.Grow((snapshot.HeapLength - HeapBytes) / Wasmtime.Memory.PageSize);
        }
        // Block by block, and only blocks that differ: most executions touch a few pages, and writing untouched
        // memory costs more than comparing it (it dirties every page of the heap).
        const int Block = 16 * 1024;
        for (long offset = 0, i = 0; offset < snapshot.HeapLength; offset += SnapshotChunk, i++)
        {
            var n = (int)Math.Min(SnapshotChunk, snapshot.HeapLength - offset);
            var saved = snapshot.Heap[i].AsSpan(0, n);
            var live = Memory!.GetSpan(offset, n);
            for (var b = 0; b < n; b += Block)
            {
                var m = Math.Min(Block, n - b);
                var source = saved.Slice(b, m);
                var target = live.Slice(b, m);
                if (!source.SequenceEqual(target)) source.CopyTo(target);
            }
        }
        for (var i = 0; i < _globals.Length; i++) _globals[i].SetValue(snapshot.Globals[i]);
        Stable.Restore(snapshot.Stable);
        _heapCopyCurrent = ReferenceEquals(snapshot.Heap, _heapCopy) && HeapBytes == snapshot.HeapLength;
    }

    /// <summary>The exported globals' kinds and values, in the module's export order (what a checkpoint keeps).</summary>
    public (ValueKind Kind, object? Value)[] ReadGlobals() => _globals.Select(g => (g.Kind, g.GetValue())).ToArray();

    /// <summary>Sets the exported globals from a checkpoint; false when they do not match this module's.</summary>
    public bool WriteGlobals(IReadOnlyList<(ValueKind Kind, object? Value)> values)
    {
        if (values.Count != _globals.Length || values.Where((v, i) => v.Kind != _globals[i].Kind).Any()) return false;
        for (var i = 0; i < _globals.Length; i++)
        {
            if (_globals[i].Mutability == Mutability.Mutable) _globals[i].SetValue(values[i].Value);
        }
        return true;
    }

    /// <summary>Grows the heap to <paramref name="length"/> bytes (loading a checkpoint; the content is written after).</summary>
    public bool GrowTo(long length)
    {
        if (length <= HeapBytes) return length == HeapBytes;
        _heapCopyCurrent = false;
        return Memory is not null && Memory.Grow((length - HeapBytes) / Wasmtime.Memory.PageSize) >= 0;
    }

    /// <summary>Copies another instance's heap into this one (enhanced orthogonal persistence keeps the heap across upgrades).</summary>
    public void AdoptHeap(CanisterSandbox old)
    {
        if (Memory is null || old.Memory is null) return;
        _heapCopyCurrent = false;
        var length = old.HeapBytes;
        if (length > HeapBytes && Memory.Grow((length - HeapBytes) / Wasmtime.Memory.PageSize) < 0)
        {
            throw new InvalidOperationException("the new module's memory cannot hold the old heap");
        }
        for (long offset = 0; offset < length; offset += SnapshotChunk)
        {
            var n = (int)Math.Min(SnapshotChunk, length - offset);
            old.Memory.GetSpan(offset, n).CopyTo(Memory.GetSpan(offset, n));
        }
        _host?.Touch();
    }

    public void Dispose() => _store.Dispose();
}
