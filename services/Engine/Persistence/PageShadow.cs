namespace Platform.Engine.Persistence;

/// <summary>
/// The heap as last saved, in 4 KiB pages kept in 1 MiB chunks (a heap may pass the 2 GiB an array can hold).
/// Comparing the live heap with it finds the pages an execution wrote, so a commit writes those and no others.
/// Pages past the end read as zero, as pages a <c>memory.grow</c> adds.
/// </summary>
internal sealed class PageShadow
{
    private const int PageSize = CheckpointRecord.HeapPageSize;
    private const int ChunkSize = 1024 * 1024;
    private const int PagesPerChunk = ChunkSize / PageSize;

    private readonly List<byte[]?> _chunks = [];

    public long Length { get; private set; }

    /// <summary>Sets the length; what lies beyond a shorter length becomes zero (a reinstalled module's smaller heap).</summary>
    public void SetLength(long length)
    {
        if (length < Length)
        {
            var keepChunks = (int)((length + ChunkSize - 1) / ChunkSize);
            if (_chunks.Count > keepChunks) _chunks.RemoveRange(keepChunks, _chunks.Count - keepChunks);
            var within = (int)(length % ChunkSize);
            if (within != 0 && keepChunks > 0 && _chunks[keepChunks - 1] is { } last) last.AsSpan(within).Clear();
        }
        Length = length;
    }

    public ReadOnlySpan<byte> Page(int index)
    {
        var chunk = index / PagesPerChunk;
        if (chunk >= _chunks.Count || _chunks[chunk] is not { } bytes) return Zero;
        return bytes.AsSpan(index % PagesPerChunk * PageSize, PageSize);
    }

    public void Write(int index, ReadOnlySpan<byte> content)
    {
        var chunk = index / PagesPerChunk;
        while (_chunks.Count <= chunk) _chunks.Add(null);
        var bytes = _chunks[chunk] ??= new byte[ChunkSize];
        content.CopyTo(bytes.AsSpan(index % PagesPerChunk * PageSize, PageSize));
    }

    /// <summary>The pages of <paramref name="heap"/> (its first <paramref name="length"/> bytes) that differ from the shadow, copied.</summary>
    public List<(int Index, byte[] Content)> Diff(Func<long, int, ReadOnlySpan<byte>> heap, long length)
    {
        var pages = new List<(int, byte[])>();
        var count = (int)(length / PageSize);
        for (var i = 0; i < count; i++)
        {
            var live = heap((long)i * PageSize, PageSize);
            if (!live.SequenceEqual(Page(i))) pages.Add((i, live.ToArray()));
        }
        return pages;
    }

    /// <summary>Every page that is not all zero (what a snapshot holds).</summary>
    public IEnumerable<(int Index, byte[] Content)> NonZeroPages()
    {
        var count = (int)(Length / PageSize);
        for (var i = 0; i < count; i++)
        {
            var chunk = i / PagesPerChunk;
            if (chunk >= _chunks.Count || _chunks[chunk] is null) { i = (chunk + 1) * PagesPerChunk - 1; continue; }
            var page = Page(i);
            if (page.ContainsAnyExcept((byte)0)) yield return (i, page.ToArray());
        }
    }

    private static ReadOnlySpan<byte> Zero => ZeroPage;
    private static readonly byte[] ZeroPage = new byte[PageSize];
}
