using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Platform.Engine.Runtime;

/// <summary>
/// A canister's heap as Wasmtime's host memory (<c>wasmtime_config_host_memory_creator_set</c>, which the .NET
/// binding does not expose): a private, copy-on-write mapping of a memfd that holds the committed heap. An
/// execution's writes land in private copies of the pages it touches; the kernel's page map tells which those are.
/// Rolling back (every query, every trap) copies the committed content back into those pages (or drops them past a
/// small working set), so the heap is the committed one again without copying it; committing writes just those
/// pages into the memfd. Either costs the pages touched, not the heap.
/// </summary>
internal sealed unsafe partial class HostMemory : IDisposable
{
    private const int OsPage = 4096;

    // The memories by base address, for the sandbox that finds its memory's pointer through Wasmtime.
    private static readonly ConcurrentDictionary<nint, HostMemory> ByBase = new();

    private readonly int _fd;
    // The memfd mapped shared and read-only: the committed heap, to compare a private page with before writing it
    // back (a commit) or copying it back (a rollback). Most private pages are the kept working set, unchanged.
    private readonly byte* _committed;
    private readonly byte* _reservation;
    private readonly nuint _reservationBytes;
    private readonly nuint _guardBytes;
    private readonly nuint _capacity;
    private nuint _size;
    // A new memory holds what instantiation wrote (data segments) in private pages: not clean until committed.
    private bool _clean;
    private readonly HashSet<int> _unsaved = [];

    private HostMemory(int fd, byte* committed, byte* reservation, nuint reservationBytes, nuint guardBytes, nuint capacity, nuint size)
    {
        _fd = fd;
        _committed = committed;
        _reservation = reservation;
        _reservationBytes = reservationBytes;
        _guardBytes = guardBytes;
        _capacity = capacity;
        _size = size;
    }

    private byte* Base => _reservation + _guardBytes;

    public long Size => (long)_size;

    public static HostMemory? Find(nint basePointer) => ByBase.GetValueOrDefault(basePointer);

    /// <summary>
    /// Reserves <paramref name="capacity"/> bytes (never moved: Wasmtime's code may rely on the guard pages after
    /// them) between two inaccessible guards, backed by a memfd of that size (sparse: unwritten pages use nothing),
    /// and makes the first <paramref name="size"/> bytes accessible.
    /// </summary>
    public static HostMemory Create(nuint size, nuint capacity, nuint guard)
    {
        guard = RoundUp(Math.Max(guard, (nuint)OsPage));
        capacity = RoundUp(capacity);
        var fd = Native.MemfdCreate("canister-heap", Native.MfdCloexec);
        if (fd < 0) throw new IOException($"memfd_create failed (errno {Marshal.GetLastPInvokeError()})");
        if (Native.Ftruncate(fd, (long)capacity) != 0) { Native.Close(fd); throw new IOException($"ftruncate of the heap memfd failed (errno {Marshal.GetLastPInvokeError()})"); }
        var total = capacity + 2 * guard;
        var reservation = Native.Mmap(null, total, Native.ProtNone, Native.MapPrivate | Native.MapAnonymous | Native.MapNoReserve, -1, 0);
        if (reservation == Native.MapFailed) { Native.Close(fd); throw new OutOfMemoryException($"cannot reserve {total} bytes of address space for a heap"); }
        // NORESERVE: a canister's 4 GiB reservation is address space, not memory charged to the system.
        var mapped = Native.Mmap((byte*)reservation + guard, capacity, Native.ProtNone, Native.MapPrivate | Native.MapFixed | Native.MapNoReserve, fd, 0);
        var committed = Native.Mmap(null, capacity, Native.ProtRead, Native.MapShared | Native.MapNoReserve, fd, 0);
        if (committed == Native.MapFailed)
        {
            Native.Munmap(reservation, total);
            Native.Close(fd);
            throw new OutOfMemoryException($"cannot map a view of {capacity} bytes of a heap");
        }
        var memory = new HostMemory(fd, (byte*)committed, (byte*)reservation, total, guard, capacity, 0);
        if (mapped == Native.MapFailed || !memory.GrowTo(size))
        {
            memory.Dispose();
            throw new OutOfMemoryException($"cannot map a heap of {size} bytes");
        }
        ByBase[(nint)memory.Base] = memory;
        return memory;
    }

    public bool GrowTo(nuint size)
    {
        if (size > _capacity) return false;
        if (size > _size && Native.Mprotect(Base + _size, size - _size, Native.ProtRead | Native.ProtWrite) != 0) return false;
        _size = Math.Max(_size, size);
        return true;
    }

    /// <summary>An execution is about to run: pages it writes become private until <see cref="Commit"/> or <see cref="Discard"/>.</summary>
    public void Touch() => _clean = false;

    /// <summary>Makes what executions wrote since the last commit or discard the committed heap.</summary>
    public void Commit()
    {
        if (_clean) return;
        var runs = DirtyRuns(out var total);
        foreach (var (first, count) in runs)
        {
            // Only the pages that differ from the committed heap are written, in runs: the kept working set is
            // mostly pages an execution read or wrote back unchanged, and a write into the memfd costs far more
            // than the comparison.
            var changed = -1;
            for (var p = first; p <= first + count; p++)
            {
                if (p < first + count && !Same(p))
                {
                    if (changed < 0) changed = p;
                    continue;
                }
                if (changed < 0) continue;
                WriteBack(changed, p - changed);
                changed = -1;
            }
        }
        Release(runs, total);
        _clean = true;
    }

    private bool Same(int page)
    {
        var offset = (long)page * OsPage;
        return new ReadOnlySpan<byte>(Base + offset, OsPage).SequenceEqual(new ReadOnlySpan<byte>(_committed + offset, OsPage));
    }

    private void WriteBack(int first, int count)
    {
        var offset = (long)first * OsPage;
        var bytes = (nuint)count * OsPage;
        if (Native.Pwrite(_fd, Base + offset, bytes, offset) != (nint)bytes)
        {
            throw new IOException($"writing the heap's pages into its memfd failed (errno {Marshal.GetLastPInvokeError()})");
        }
        for (var p = first; p < first + count; p++) _unsaved.Add(p);
    }

    /// <summary>Drops what executions wrote since the last commit: the heap reads as committed again.</summary>
    public void Discard()
    {
        if (_clean) return;
        var runs = DirtyRuns(out var total);
        if (total <= KeptPrivatePages)
        {
            // Copied back from the committed view (only the pages that differ), the pages stay private and
            // writable: the next execution writing them takes no copy-on-write fault (which costs more than the copy).
            foreach (var (first, count) in runs)
            {
                for (var p = first; p < first + count; p++)
                {
                    if (Same(p)) continue;
                    var offset = (long)p * OsPage;
                    new ReadOnlySpan<byte>(_committed + offset, OsPage).CopyTo(new Span<byte>(Base + offset, OsPage));
                }
            }
        }
        else
        {
            foreach (var (first, count) in runs) Native.Madvise(Base + (long)first * OsPage, (nuint)count * OsPage, Native.MadvDontneed);
        }
        _clean = true;
    }

    // Private pages equal to the committed ones are kept up to this many (a message's working set); past it they
    // are dropped, so each commit and rollback goes on costing the pages a message touches, not all it ever did.
    private const int KeptPrivatePages = 64;

    /// <summary>After a commit: private pages now equal the memfd; keep a small working set of them mapped.</summary>
    private void Release(List<(int First, int Count)> runs, int total)
    {
        if (total <= KeptPrivatePages) return;
        foreach (var (first, count) in runs) Native.Madvise(Base + (long)first * OsPage, (nuint)count * OsPage, Native.MadvDontneed);
    }

    private List<(int First, int Count)> DirtyRuns(out int total)
    {
        var runs = new List<(int, int)>();
        var sum = 0;
        ForEachDirtyRun((first, count) => { runs.Add((first, count)); sum += count; });
        total = sum;
        return runs;
    }

    /// <summary>The 4 KiB pages committed since the last call (what a persistent instance writes).</summary>
    public List<int> TakeUnsaved()
    {
        var pages = _unsaved.Order().ToList();
        _unsaved.Clear();
        return pages;
    }

    /// <summary>Calls <paramref name="run"/> for each run of pages that are private copies (written since the last commit).</summary>
    private void ForEachDirtyRun(Action<int, int> run)
    {
        var pages = (int)(_size / OsPage);
        if (pages == 0) return;
        if (ScanSupported && Scan(run, pages)) return;
        ReadPageMap(run, pages);
    }

    // PAGEMAP_SCAN (Linux 6.7) reports only the matching ranges and skips unmapped pages at once: a few microseconds
    // for a heap whose pages are mostly not mapped, where reading 8 bytes per page costs tens.
    private static bool ScanSupported = true;

    [StructLayout(LayoutKind.Sequential)]
    private struct PageRegion { public ulong Start, End, Categories; }

    [StructLayout(LayoutKind.Sequential)]
    private struct ScanArgs
    {
        public ulong Size, Flags, Start, End, WalkEnd, Vec, VecLength, MaxPages, CategoryInverted, CategoryMask, CategoryAnyOfMask, ReturnMask;
    }

    private bool Scan(Action<int, int> run, int pages)
    {
        const ulong PageIsFile = 1 << 2, PageIsPresent = 1 << 3, PageIsSwapped = 1 << 4;
        var regions = stackalloc PageRegion[64];
        var start = (ulong)Base;
        var end = start + (ulong)pages * OsPage;
        while (start < end)
        {
            var args = new ScanArgs
            {
                Size = (ulong)sizeof(ScanArgs), Start = start, End = end, Vec = (ulong)regions, VecLength = 64,
                // Not a page of the file, and mapped or swapped: the execution's private copy.
                CategoryInverted = PageIsFile, CategoryMask = PageIsFile, CategoryAnyOfMask = PageIsPresent | PageIsSwapped,
                ReturnMask = PageIsPresent,
            };
            var n = Native.Ioctl((int)PageMap.Value.DangerousGetHandle(), Native.PagemapScan, &args);
            if (n < 0)
            {
                // An older kernel: read the page map instead, from now on.
                ScanSupported = false;
                return false;
            }
            for (var i = 0; i < n; i++)
            {
                var first = (int)((regions[i].Start - (ulong)Base) / OsPage);
                run(first, (int)((regions[i].End - regions[i].Start) / OsPage));
            }
            if (args.WalkEnd <= start) break;
            start = args.WalkEnd;
        }
        return true;
    }

    private void ReadPageMap(Action<int, int> run, int pages)
    {
        var entries = new ulong[Math.Min(pages, 8192)];
        var pagemap = PageMap.Value;
        int runStart = -1;
        for (var done = 0; done < pages; done += entries.Length)
        {
            var n = Math.Min(entries.Length, pages - done);
            var span = MemoryMarshal.AsBytes(entries.AsSpan(0, n));
            var read = RandomAccess.Read(pagemap, span, (long)(((nuint)Base / OsPage) + (nuint)done) * 8);
            if (read != span.Length) throw new IOException("short read from /proc/self/pagemap");
            for (var i = 0; i < n; i++)
            {
                var e = entries[i];
                // Present or swapped, and not a page of the file: the execution's private copy.
                var dirty = (e & (3UL << 62)) != 0 && (e & (1UL << 61)) == 0;
                if (dirty) { if (runStart < 0) runStart = done + i; }
                else if (runStart >= 0) { run(runStart, done + i - runStart); runStart = -1; }
            }
        }
        if (runStart >= 0) run(runStart, pages - runStart);
    }

    // One handle for the process (pread is safe from several threads): opening it per call costs more than reading it.
    private static readonly Lazy<Microsoft.Win32.SafeHandles.SafeFileHandle> PageMap =
        new(() => File.OpenHandle("/proc/self/pagemap", FileMode.Open, FileAccess.Read));

    private static nuint RoundUp(nuint n) => (n + OsPage - 1) & ~(nuint)(OsPage - 1);

    public void Dispose()
    {
        ByBase.TryRemove((nint)Base, out _);
        Native.Munmap(_reservation, _reservationBytes);
        Native.Munmap(_committed, _capacity);
        Native.Close(_fd);
    }

    // ---- the Wasmtime side: a memory creator whose callbacks make and drive HostMemory objects ----

    [StructLayout(LayoutKind.Sequential)]
    private struct LinearMemory
    {
        public nint Env;
        public delegate* unmanaged<nint, nuint*, nuint*, byte*> GetMemory;
        public delegate* unmanaged<nint, nuint, nint> GrowMemory;
        public delegate* unmanaged<nint, void> Finalizer;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryCreator
    {
        public nint Env;
        public delegate* unmanaged<nint, nint, nuint, nuint, nuint, nuint, LinearMemory*, nint> NewMemory;
        public delegate* unmanaged<nint, void> Finalizer;
    }

    /// <summary>Makes every memory of engines built from <paramref name="config"/> a <see cref="HostMemory"/>. False when unsupported here.</summary>
    public static bool Install(Wasmtime.Config config)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/pagemap")) return false;
        var handle = typeof(Wasmtime.Config).GetProperty("NativeHandle", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)?.GetValue(config) as SafeHandle;
        if (handle is null || handle.IsInvalid) return false;
        // Wasmtime's own copy-on-write initialisation maps module images itself; data segments are copied instead.
        config.WithMemoryInitCopyOnWrite(false);
        var creator = new MemoryCreator { Env = 0, NewMemory = &NewMemory, Finalizer = null };
        Native.HostMemoryCreatorSet(handle.DangerousGetHandle(), &creator);
        return true;
    }

    [UnmanagedCallersOnly]
    private static nint NewMemory(nint env, nint type, nuint minimum, nuint maximum, nuint reserved, nuint guard, LinearMemory* result)
    {
        try
        {
            // Reserve what Wasmtime's code assumes, else up to the declared maximum, at most 8 GiB past that
            // (memory64 heaps): memory never moves, so growth beyond the reservation fails like memory.grow.
            var capacity = Math.Max(reserved, Math.Min(maximum, (nuint)8 << 30));
            capacity = Math.Max(capacity, minimum);
            var memory = Create(minimum, capacity, guard);
            result->Env = GCHandle.ToIntPtr(GCHandle.Alloc(memory));
            result->GetMemory = &GetMemory;
            result->GrowMemory = &GrowMemory;
            result->Finalizer = &FreeMemory;
            return 0;
        }
        catch (Exception e)
        {
            return Error(e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static byte* GetMemory(nint env, nuint* size, nuint* maximum)
    {
        var memory = (HostMemory)GCHandle.FromIntPtr(env).Target!;
        *size = memory._size;
        *maximum = memory._capacity;
        return memory.Base;
    }

    [UnmanagedCallersOnly]
    private static nint GrowMemory(nint env, nuint size)
    {
        var memory = (HostMemory)GCHandle.FromIntPtr(env).Target!;
        return memory.GrowTo(size) ? 0 : Error($"the heap cannot grow to {size} bytes");
    }

    [UnmanagedCallersOnly]
    private static void FreeMemory(nint env)
    {
        var handle = GCHandle.FromIntPtr(env);
        ((HostMemory)handle.Target!).Dispose();
        handle.Free();
    }

    private static nint Error(string message)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* p = bytes) return Native.ErrorNew(p);
    }

    private static partial class Native
    {
        public const int ProtNone = 0, ProtRead = 1, ProtWrite = 2;
        public const int MapShared = 1, MapPrivate = 2, MapFixed = 0x10, MapAnonymous = 0x20, MapNoReserve = 0x4000;
        public const int MadvDontneed = 4;
        public const uint MfdCloexec = 1;
        public static readonly void* MapFailed = (void*)-1;

        [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int MemfdCreate(string name, uint flags);

        [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
        public static partial int Ftruncate(int fd, long length);

        [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
        public static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

        [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
        public static partial int Munmap(void* address, nuint length);

        [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
        public static partial int Mprotect(void* address, nuint length, int protection);

        [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
        public static partial int Madvise(void* address, nuint length, int advice);

        [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
        public static partial nint Pwrite(int fd, void* buffer, nuint count, long offset);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);

        // _IOWR('f', 16, struct pm_scan_arg) from linux/fs.h.
        public const ulong PagemapScan = 0xC0606610;

        [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
        public static partial int Ioctl(int fd, ulong request, ScanArgs* args);

        [LibraryImport("wasmtime", EntryPoint = "wasmtime_config_host_memory_creator_set")]
        public static partial void HostMemoryCreatorSet(nint config, MemoryCreator* creator);

        [LibraryImport("wasmtime", EntryPoint = "wasmtime_error_new")]
        public static partial nint ErrorNew(byte* message);
    }
}
