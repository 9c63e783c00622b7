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
        var instance = Module.Linker.Instantiate(store, Module.Module);
        Memory = Module.Info.MemoryExport is { } m ? instance.GetMemory(m) : null;
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
            var function = _instance.GetFunction(export) ?? throw new InvalidOperationException($"export {export} is missing");
            function.Invoke();
        });

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

    private ExecutionFailure? Execute(ApiContext context, Action body)
    {
        _store.Fuel = (ulong)context.InstructionLimit;
        Context = context;
        try
        {
            body();
            return context.Failure;
        }
        catch (Exception e) when (e is WasmtimeException or CanisterTrapException or TrapException)
        {
            return context.Failure ?? Describe(context, e);
        }
        finally
        {
            context.InstructionsUsed = context.InstructionLimit - (long)_store.Fuel;
            Context = null;
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

    public Snapshot TakeSnapshot()
    {
        var length = HeapBytes;
        var chunks = new byte[(int)((length + SnapshotChunk - 1) / SnapshotChunk)][];
        for (var i = 0; i < chunks.Length; i++)
        {
            var offset = (long)i * SnapshotChunk;
            var n = (int)Math.Min(SnapshotChunk, length - offset);
            chunks[i] = Memory!.GetSpan(offset, n).ToArray();
        }
        return new Snapshot(chunks, length, _globals.Select(g => g.GetValue()).ToArray(), Stable.TakeSnapshot());
    }

    /// <summary>
    /// Puts the heap, globals and stable memory back. Wasm memory cannot shrink, so when the failed execution
    /// grew the heap the instance is replaced by a fresh one holding the snapshot.
    /// </summary>
    public void Restore(Snapshot snapshot)
    {
        if (HeapBytes != snapshot.HeapLength)
        {
            _store.Dispose();
            (_store, _instance, _globals) = CreateInstance();
            if (snapshot.HeapLength > HeapBytes) Memory!.Grow((snapshot.HeapLength - HeapBytes) / Wasmtime.Memory.PageSize);
        }
        for (var i = 0; i < snapshot.Heap.Length; i++)
        {
            snapshot.Heap[i].CopyTo(Memory!.GetSpan((long)i * SnapshotChunk, snapshot.Heap[i].Length));
        }
        for (var i = 0; i < _globals.Length; i++) _globals[i].SetValue(snapshot.Globals[i]);
        Stable.Restore(snapshot.Stable);
    }

    /// <summary>Copies another instance's heap into this one (enhanced orthogonal persistence keeps the heap across upgrades).</summary>
    public void AdoptHeap(CanisterSandbox old)
    {
        if (Memory is null || old.Memory is null) return;
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
    }

    public void Dispose() => _store.Dispose();
}
