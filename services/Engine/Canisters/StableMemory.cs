namespace Platform.Engine.Canisters;

/// <summary>
/// A canister's stable memory in 64 KiB pages, allocated on first write. Snapshots share pages and a write
/// copies a shared page first, so rolling back a trapped message costs nothing when it did not touch stable
/// memory, and one page per touched page when it did.
/// </summary>
internal sealed class StableMemory
{
    public const int PageSize = 65536;

    // The IC's stable memory limit is 500 GiB; this engine keeps pages in process memory, so it stops at 64 GiB.
    public const long MaxPages = 64L * 1024 * 1024 * 1024 / PageSize;

    private byte[]?[] _pages = [];
    private long _pageCount;
    private bool[] _owned = [];

    public long Pages => _pageCount;
    public long Size => _pageCount * PageSize;

    public sealed record Snapshot(byte[]?[] Pages, long PageCount);

    /// <summary>Freezes the current content: pages written after this are copied before they change.</summary>
    public Snapshot TakeSnapshot()
    {
        Array.Clear(_owned);
        return new Snapshot((byte[]?[])_pages.Clone(), _pageCount);
    }

    public void Restore(Snapshot snapshot)
    {
        _pages = (byte[]?[])snapshot.Pages.Clone();
        _pageCount = snapshot.PageCount;
        _owned = new bool[_pages.Length];
    }

    public long Grow(long additional)
    {
        if (additional < 0 || _pageCount + additional > MaxPages) return -1;
        var old = _pageCount;
        _pageCount += additional;
        if (_pageCount > _pages.Length)
        {
            var capacity = (int)Math.Max(_pageCount, Math.Min(MaxPages, _pages.Length * 2L));
            Array.Resize(ref _pages, capacity);
            Array.Resize(ref _owned, capacity);
        }
        return old;
    }

    public bool InBounds(long offset, long length) => offset >= 0 && length >= 0 && offset + length <= Size && offset + length >= offset;

    public void Read(long offset, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            var page = (int)(offset / PageSize);
            var within = (int)(offset % PageSize);
            var n = Math.Min(destination.Length, PageSize - within);
            var p = _pages[page];
            if (p is null) destination[..n].Clear();
            else p.AsSpan(within, n).CopyTo(destination);
            destination = destination[n..];
            offset += n;
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        while (source.Length > 0)
        {
            var page = (int)(offset / PageSize);
            var within = (int)(offset % PageSize);
            var n = Math.Min(source.Length, PageSize - within);
            source[..n].CopyTo(WritablePage(page).AsSpan(within, n));
            source = source[n..];
            offset += n;
        }
    }

    /// <summary>The whole content (for PocketIC's get_stable_memory).</summary>
    public byte[] ToArray()
    {
        var result = new byte[Size];
        Read(0, result);
        return result;
    }

    /// <summary>Replaces the content, padded to whole pages (PocketIC's set_stable_memory).</summary>
    public void Replace(ReadOnlySpan<byte> content)
    {
        var pages = (content.Length + PageSize - 1) / PageSize;
        _pages = new byte[]?[pages];
        _owned = new bool[pages];
        _pageCount = pages;
        Write(0, content);
    }

    private byte[] WritablePage(int page)
    {
        var p = _pages[page];
        if (p is null) { p = new byte[PageSize]; _pages[page] = p; _owned[page] = true; return p; }
        if (!_owned[page]) { p = (byte[])p.Clone(); _pages[page] = p; _owned[page] = true; }
        return p;
    }
}
