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

    // Pages written since a persistent instance last saved them (a restore counts: the content went back).
    private readonly HashSet<int> _unsaved = [];

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
        for (var i = 0; i < _pages.Length; i++)
        {
            if (_owned[i]) _unsaved.Add(i);
        }
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
        for (var i = 0; i < pages; i++) _unsaved.Add(i);
    }

    /// <summary>The pages written since the last call, with their current content (null: never written, all zero).</summary>
    public List<(int Index, byte[]? Content)> TakeUnsaved()
    {
        var pages = _unsaved.Order().Select(i => (i, i < _pages.Length ? _pages[i] : null)).ToList();
        _unsaved.Clear();
        return pages;
    }

    /// <summary>Every page holding content (a persistent instance saving a stable memory it has not seen before).</summary>
    public List<(int Index, byte[]? Content)> AllPages()
    {
        _unsaved.Clear();
        var pages = new List<(int, byte[]?)>();
        for (var i = 0; i < Math.Min(_pageCount, _pages.Length); i++)
        {
            if (_pages[i] is { } p) pages.Add((i, p));
        }
        return pages;
    }

    /// <summary>Rebuilds the memory from saved pages (loading a persistent instance).</summary>
    public static StableMemory Load(long pageCount, IEnumerable<KeyValuePair<int, byte[]>> pages)
    {
        var memory = new StableMemory();
        memory.Grow(pageCount);
        foreach (var (index, content) in pages)
        {
            if (index < pageCount) memory._pages[index] = content;
        }
        Array.Fill(memory._owned, true);
        return memory;
    }

    private byte[] WritablePage(int page)
    {
        var p = _pages[page];
        _unsaved.Add(page);
        if (p is null) { p = new byte[PageSize]; _pages[page] = p; _owned[page] = true; return p; }
        if (!_owned[page]) { p = (byte[])p.Clone(); _pages[page] = p; _owned[page] = true; }
        return p;
    }
}
