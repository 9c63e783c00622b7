using System.IO.Pipelines;
using Platform.Hosting.Transport;

namespace Platform.UnitTests.Hosting;

public class BulkTransferMemoryPoolTests
{
    [Fact]
    public void A_block_is_64_KiB_whatever_the_caller_asks_for()
    {
        using var pool = new BulkTransferMemoryPool();
        using var small = pool.Rent(16);
        using var any = pool.Rent();
        Assert.Equal(BulkTransferMemoryPool.BlockSize, small.Memory.Length);
        Assert.Equal(BulkTransferMemoryPool.BlockSize, any.Memory.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(BulkTransferMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void A_returned_block_is_reused_and_a_second_dispose_does_not_return_it_twice()
    {
        using var pool = new BulkTransferMemoryPool();
        var first = pool.Rent();
        var array = first.Memory;
        first.Dispose();
        first.Dispose();
        Assert.Equal(1, pool.RetainedBlocks);
        Assert.Throws<ObjectDisposedException>(() => first.Memory);

        using var again = pool.Rent();
        using var fresh = pool.Rent();
        Assert.True(again.Memory.Span == array.Span, "the returned block is handed out again");
        Assert.False(fresh.Memory.Span == array.Span, "two owners never share a block");
        Assert.Equal(0, pool.RetainedBlocks);
    }

    [Fact]
    public void Only_a_bounded_number_of_blocks_stays_in_the_pool()
    {
        using var pool = new BulkTransferMemoryPool();
        var owners = Enumerable.Range(0, BulkTransferMemoryPool.MaxRetainedBlocks + 40).Select(_ => pool.Rent()).ToList();
        owners.ForEach(o => o.Dispose());
        Assert.Equal(BulkTransferMemoryPool.MaxRetainedBlocks, pool.RetainedBlocks);
    }

    [Fact]
    public void A_block_beyond_the_kept_ones_is_not_kept_even_when_the_pool_has_room()
    {
        using var pool = new BulkTransferMemoryPool();
        var kept = Enumerable.Range(0, BulkTransferMemoryPool.MaxRetainedBlocks).Select(_ => pool.Rent()).ToList();
        var extra = pool.Rent();
        Assert.Equal(BulkTransferMemoryPool.BlockSize, extra.Memory.Length);
        extra.Dispose();
        Assert.Equal(0, pool.RetainedBlocks);
        kept.ForEach(o => o.Dispose());
        Assert.Equal(BulkTransferMemoryPool.MaxRetainedBlocks, pool.RetainedBlocks);
        // Renting them all again allocates nothing new: the next one beyond is again an extra.
        var again = Enumerable.Range(0, BulkTransferMemoryPool.MaxRetainedBlocks).Select(_ => pool.Rent()).ToList();
        Assert.Equal(0, pool.RetainedBlocks);
        using (var beyond = pool.Rent()) { }
        Assert.Equal(0, pool.RetainedBlocks);
        again.ForEach(o => o.Dispose());
    }

    [Fact]
    public async Task A_pipe_on_the_pool_hands_its_writer_whole_blocks()
    {
        // What Kestrel's socket transport does: a pipe on the pool, asked for its minimum segment, must offer the
        // whole block to the socket read, and bytes must come out as they went in.
        using var pool = new BulkTransferMemoryPool();
        var pipe = new Pipe(new PipeOptions(pool, minimumSegmentSize: 4096, useSynchronizationContext: false));
        var memory = pipe.Writer.GetMemory(2048);
        Assert.Equal(BulkTransferMemoryPool.BlockSize, memory.Length);

        var payload = new byte[3 * BulkTransferMemoryPool.BlockSize + 17];
        Random.Shared.NextBytes(payload);
        var read = new MemoryStream();
        var reading = pipe.Reader.CopyToAsync(read);
        await pipe.Writer.WriteAsync(payload);
        await pipe.Writer.CompleteAsync();
        await reading;
        await pipe.Reader.CompleteAsync();
        Assert.Equal(payload, read.ToArray());
        Assert.True(pool.RetainedBlocks >= 4, "the pipe returned its segments' blocks");
    }
}
