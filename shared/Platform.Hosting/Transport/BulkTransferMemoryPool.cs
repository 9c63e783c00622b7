using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Platform.Hosting.Transport;

/// <summary>
/// Kestrel's socket buffers, in blocks big enough for blobs. Kestrel's own pool hands out 4 KiB blocks, and each
/// socket read fills at most one block: a 512 MiB layer arrives in 131,072 reads, each with its flush and its
/// wake-up of the reader, and that was the larger part of the gateway's CPU on a push. With 64 KiB blocks a
/// loopback or LAN read takes what the kernel has (loopback segments are 64 KiB), 16 times fewer of them.
/// <para>
/// The pool keeps <see cref="MaxRetainedBlocks"/> blocks (2 MiB) on the pinned object heap, as Kestrel's are, so
/// sockets pin them for free; a steady transfer needs a handful (the pipe pauses its writer at 1 MiB). A burst of
/// connections that needs more gets ordinary arrays, pinned only for each socket operation and never kept: the GC
/// takes them back at the next young collection. With a cap of 128 per pool (and Kestrel makes one pool per I/O
/// queue and listener), 50 concurrent pushes left 12 MiB of blocks in each of the gateway and Ingest; with extra
/// blocks on the pinned heap too, 6 MiB of dead ones waited there for a full collection. Idle connections hold no
/// block (Kestrel waits for data before it asks).
/// </para>
/// </summary>
public sealed class BulkTransferMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;
    public const int MaxRetainedBlocks = 32;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private int _keptBlocks; // pinned blocks in existence, free or leased: at most MaxRetainedBlocks

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks kept for reuse now (for tests and diagnostics).</summary>
    public int RetainedBlocks => Volatile.Read(ref _freeCount);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        // Callers (System.IO.Pipelines) never ask for more than MaxBufferSize; anything larger is a bug upstream.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.Lease();
            return block;
        }
        if (Interlocked.Increment(ref _keptBlocks) <= MaxRetainedBlocks)
            return new Block(this, kept: true);
        Interlocked.Decrement(ref _keptBlocks);
        return new Block(this, kept: false);
    }

    private void Return(Block block)
    {
        // An extra block is dropped: the GC reclaims it like any short-lived array.
        if (!block.Kept)
            return;
        Interlocked.Increment(ref _freeCount);
        _free.Enqueue(block);
    }

    protected override void Dispose(bool disposing)
    {
        // Leased blocks come back later and are kept again; only the free ones go.
        while (_free.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _freeCount);
            Interlocked.Decrement(ref _keptBlocks);
        }
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly BulkTransferMemoryPool _pool;
        private readonly byte[] _array;
        private int _leased = 1;

        public Block(BulkTransferMemoryPool pool, bool kept)
        {
            _pool = pool;
            Kept = kept;
            _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: kept);
        }

        public bool Kept { get; }

        public Memory<byte> Memory
        {
            get
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _leased) == 0, this);
                return _array;
            }
        }

        public void Lease() => Volatile.Write(ref _leased, 1);

        public void Dispose()
        {
            // A second Dispose must not put the block in the pool twice (two owners of one buffer).
            if (Interlocked.Exchange(ref _leased, 0) == 1)
                _pool.Return(this);
        }
    }
}

/// <summary>
/// Gives Kestrel's socket transport the <see cref="BulkTransferMemoryPool"/>: one for the whole process, so the cap
/// on retained blocks is the process's, not each listener's and I/O queue's. Kestrel disposes a pool when a listener
/// stops; on this shared one that only empties the free list, and renting goes on working.
/// </summary>
public sealed class BulkTransferMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    private readonly BulkTransferMemoryPool _shared = new();

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => _shared;
}
