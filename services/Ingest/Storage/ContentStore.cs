using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Platform.Registry.Writing;

namespace Platform.Ingest.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";
    /// <summary>Root folder of the content store (blobs/ and uploads/ live below it).</summary>
    public string Root { get; set; } = ".platform/data";
}

/// <summary>
/// Content-addressed files on disk. Bytes arrive in an upload file; only after their digest is verified and
/// they are fsynced are they renamed (atomically, same file system) to blobs/&lt;alg&gt;/&lt;2 hex&gt;/&lt;hex&gt;.
/// So a blob file that exists is always complete and correct, whatever crashed when.
/// </summary>
public sealed class ContentStore
{
    private const int BufferSize = 1 << 20;
    private static readonly ArrayPool<byte> Buffers = ArrayPool<byte>.Create(BufferSize, maxArraysPerBucket: 4);
    private readonly string _root;
    private readonly string _uploads;
    private readonly string _blobs;
    private readonly string _trash;

    public ContentStore(IOptions<StorageOptions> options)
    {
        _root = Path.GetFullPath(options.Value.Root);
        _uploads = Path.Combine(_root, "uploads");
        _blobs = Path.Combine(_root, "blobs");
        // Where garbage collection moves a blob file while it commits the deletion (same file system: a rename).
        _trash = Path.Combine(_root, "gc-trash");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_uploads);
        Directory.CreateDirectory(_trash);
    }

    /// <summary>The store's root folder (absolute).</summary>
    public string Root => _root;

    public string BlobPath(string digest) => Path.Combine(_root, RelativeBlobPath(digest));

    public bool BlobExists(string digest) => File.Exists(BlobPath(digest));

    /// <summary>The blob's path below the store's root, as the gateway names it in its read-only view.</summary>
    public static string RelativeBlobPath(string digest)
    {
        var (algorithm, hex) = Split(digest);
        return $"blobs/{algorithm}/{hex[..2]}/{hex}";
    }

    public string UploadPath(Guid sessionId) => Path.Combine(_uploads, sessionId.ToString("N"));

    /// <summary>
    /// Appends a request body at <paramref name="offset"/> of the session's upload file, hashing as it goes, and
    /// fsyncs before returning. Bytes past <paramref name="offset"/> (left by a crash before their chunk was
    /// recorded) are cut first. A client that disconnects mid-body keeps what arrived: it is fsynced and counted,
    /// so the status GET can tell the client where to resume.
    /// <para>
    /// Two buffers take turns: one fills from the request while the other is written and hashed on a pool thread,
    /// so waiting for the network and the disk and hash work overlap instead of adding up. One after the other, a
    /// 512 MiB upload spent about 0.8 s waiting for bytes, 0.8 s writing and 0.5 s hashing.
    /// </para>
    /// </summary>
    public async Task<AppendResult> AppendAsync(Guid sessionId, long offset, Stream body, IncrementalHash? hash, long? limit, CancellationToken ct)
    {
        // Unbuffered: every write is a whole 1 MiB buffer, and only the draining task touches the file until the end.
        await using var file = new FileStream(UploadPath(sessionId), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);
        if (file.Length != offset)
            file.SetLength(offset);
        file.Position = offset;

        // A small declared body gets small buffers, and a body that fits in one buffer never rents the second. All
        // come from a pool that keeps a few: 50 concurrent pushes allocating 2 MiB each on the large-object heap grew
        // Ingest by tens of MiB until the next full collection, and a pool keeping 8 of each size held 12 MiB.
        var size = limit is { } declared && declared < BufferSize ? (int)Math.Max(declared, 4096) : BufferSize;
        byte[]? filling = Buffers.Rent(size);
        byte[]? draining = null;
        var drained = Task.CompletedTask;
        long written = 0;
        var interrupted = false;
        var tooLong = false;
        try
        {
            while (true)
            {
                var (count, ended) = await FillAsync(body, filling, ct);
                interrupted = !ended && count < filling.Length;
                // The previous buffer is written and hashed (in order) before this one starts, and is free again.
                await drained;
                if (limit is { } max && written + count > max)
                {
                    tooLong = true;
                    interrupted = false;
                    break;
                }
                if (count > 0)
                {
                    (filling, draining) = (draining, filling);
                    var chunk = draining!;
                    drained = Task.Run(() =>
                    {
                        file.Write(chunk, 0, count);
                        hash?.AppendData(chunk, 0, count);
                    }, CancellationToken.None);
                    written += count;
                }
                if (ended || interrupted)
                    break;
                filling ??= Buffers.Rent(size);
            }
        }
        finally
        {
            // Never leave a write running behind the fsync (or behind the caller's use of the hash).
            await drained.ContinueWith(_ => { }, TaskScheduler.Default);
            if (filling is not null)
                Buffers.Return(filling);
            if (draining is not null)
                Buffers.Return(draining);
            file.Flush(flushToDisk: true);
        }
        await drained; // a failed write or hash surfaces here, after the fsync of what did reach the file
        return new AppendResult(written, interrupted, tooLong);
    }

    /// <summary>
    /// Reads into <paramref name="buffer"/> until it is full or the body ends. A client that goes away mid-body is
    /// not an error here: what arrived is returned, with <c>Ended</c> false and the buffer not full.
    /// </summary>
    private static async Task<(int Count, bool Ended)> FillAsync(Stream body, byte[] buffer, CancellationToken ct)
    {
        var count = 0;
        while (count < buffer.Length)
        {
            int read;
            try
            {
                read = await body.ReadAsync(buffer.AsMemory(count), ct);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or Microsoft.AspNetCore.Http.BadHttpRequestException)
            {
                return (count, false);
            }
            if (read == 0)
                return (count, true);
            count += read;
        }
        return (count, false);
    }

    /// <summary>Hashes the first <paramref name="length"/> bytes of an upload file (after a restart lost the running hash).</summary>
    public async Task<IncrementalHash> RehashAsync(Guid sessionId, long length, HashAlgorithmName algorithm, CancellationToken ct)
    {
        var hash = IncrementalHash.CreateHash(algorithm);
        if (length == 0)
            return hash;
        await using var file = new FileStream(UploadPath(sessionId), FileMode.Open, FileAccess.Read, FileShare.ReadWrite,
            BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var buffer = new byte[BufferSize];
        var left = length;
        while (left > 0)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
            if (read == 0)
                throw new IOException($"upload file of {sessionId} is shorter than its recorded {length} bytes");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        return hash;
    }

    /// <summary>
    /// Moves a verified upload file to its content address. If the blob is already there (same digest, so the
    /// same bytes), the upload file is simply dropped. Idempotent, because a retried commit promotes again: with the
    /// upload file gone and the blob in place there is nothing left to do; with both gone the bytes are lost (garbage
    /// collection in another process took them) and this throws, so the request fails instead of recording a blob
    /// without bytes. The blob file's time is set to now: the orphan sweep judges files by it.
    /// </summary>
    public void Promote(Guid sessionId, string digest, long size)
    {
        var source = UploadPath(sessionId);
        var target = BlobPath(digest);
        if (!File.Exists(source))
        {
            if (!File.Exists(target))
                throw new IOException($"the upload file of {sessionId:N} and the blob {digest} are both gone");
            File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
            return;
        }
        // Every byte of an upload file was fsynced by AppendAsync before its chunk was recorded, so a file of the
        // verified length is durable already; only one that must be cut is written (and fsynced) again.
        if (new FileInfo(source).Length != size)
            using (var file = new FileStream(source, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                file.SetLength(size);
                file.Flush(flushToDisk: true);
            }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            File.Move(source, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            File.Delete(source);
        }
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
    }

    /// <summary>
    /// Cuts an upload file to <paramref name="offset"/>, the bytes its session recorded: what lies beyond was written
    /// but never committed (a crash of Ingest or PostgreSQL between the fsync and the event). Returns the bytes cut.
    /// The caller holds the session's lock, so no request is appending right now.
    /// </summary>
    public long TruncateUpload(Guid sessionId, long offset)
    {
        var path = UploadPath(sessionId);
        if (!File.Exists(path))
            return 0;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
        var extra = file.Length - offset;
        if (extra <= 0)
            return 0;
        file.SetLength(offset);
        file.Flush(flushToDisk: true);
        return extra;
    }

    /// <summary>Every upload file, with its session id when its name is one.</summary>
    public IEnumerable<StoredFile<Guid?>> UploadFiles() =>
        Files<Guid?>(_uploads, SearchOption.TopDirectoryOnly, f => Guid.TryParseExact(f.Name, "N", out var id) ? id : null);

    /// <summary>Every blob file, with the digest its path names (null for anything that is not a blob's name).</summary>
    public IEnumerable<StoredFile<string?>> BlobFiles() =>
        Files<string?>(_blobs, SearchOption.AllDirectories, f =>
        {
            var algorithm = f.Directory?.Parent?.Name;
            var digest = $"{algorithm}:{f.Name}";
            return algorithm is { Length: > 0 } && f.Directory!.Parent!.Parent?.FullName == _blobs && IsStorable(digest)
                   && f.Directory.Name == f.Name[..Math.Min(2, f.Name.Length)] ? digest : null;
        });

    /// <summary>Blob files garbage collection moved away and did not finish with (a crash mid-deletion).</summary>
    public IEnumerable<StoredFile<string?>> TrashFiles() =>
        Files<string?>(_trash, SearchOption.TopDirectoryOnly, f => f.Name.Split('.') is [var algorithm, var hex, _] && IsStorable($"{algorithm}:{hex}")
            ? $"{algorithm}:{hex}" : null);

    /// <summary>
    /// Moves a blob's file out of its content address for a deletion being committed (see
    /// <see cref="RegistryWriter.DeleteBlobAsync"/>). A missing file is fine: there is nothing to remove.
    /// </summary>
    public IStagedFileDeletion StageBlobDeletion(string digest)
    {
        var path = BlobPath(digest);
        var (algorithm, hex) = Split(digest);
        var staged = Path.Combine(_trash, $"{algorithm}.{hex}.{Guid.NewGuid():N}");
        try
        {
            File.Move(path, staged, overwrite: false);
            return new StagedDeletion(path, staged);
        }
        catch (FileNotFoundException)
        {
            return new StagedDeletion(path, null);
        }
        catch (DirectoryNotFoundException)
        {
            return new StagedDeletion(path, null);
        }
    }

    /// <summary>Puts a trash file back at its content address if that is free (its deletion was never committed).</summary>
    public bool RestoreTrash(string trashPath, string digest)
    {
        var target = BlobPath(digest);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            File.Move(trashPath, target, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(target))
        {
            File.Delete(trashPath);
            return false;
        }
    }

    /// <summary>Deletes a file of the store (an orphan); its length, or 0 when it was gone already.</summary>
    public static long DeleteFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            return 0;
        var length = info.Length;
        try { info.Delete(); }
        catch (FileNotFoundException) { return 0; }
        return length;
    }

    private static IEnumerable<StoredFile<T>> Files<T>(string directory, SearchOption depth, Func<FileInfo, T> name)
    {
        if (!Directory.Exists(directory))
            yield break;
        foreach (var path in Directory.EnumerateFiles(directory, "*", depth))
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                continue; // taken by a request meanwhile
            yield return new StoredFile<T>(name(info), info.FullName, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));
        }
    }

    private static bool IsStorable(string digest)
    {
        try
        {
            Split(digest);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private sealed class StagedDeletion(string path, string? staged) : IStagedFileDeletion
    {
        private bool _completed;

        public void Complete()
        {
            _completed = true;
            if (staged is not null)
                File.Delete(staged);
        }

        // The deletion was not committed: the bytes go back, unless an upload put the same bytes there meanwhile.
        public void Dispose()
        {
            if (_completed || staged is null || !File.Exists(staged))
                return;
            try
            {
                File.Move(staged, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(staged);
            }
        }
    }

    public void DeleteUpload(Guid sessionId)
    {
        try { File.Delete(UploadPath(sessionId)); }
        catch (IOException) { /* gone already, or still open by a request being cancelled: harmless */ }
    }

    public long UploadFileLength(Guid sessionId)
    {
        var info = new FileInfo(UploadPath(sessionId));
        return info.Exists ? info.Length : 0;
    }

    private static (string Algorithm, string Hex) Split(string digest)
    {
        var colon = digest.IndexOf(':');
        if (colon <= 0)
            throw new ArgumentException($"not a storable digest: {digest}", nameof(digest));
        var algorithm = digest[..colon];
        var hex = digest[(colon + 1)..];
        // The digest was validated by the caller; this guards the file system against anything that was not.
        if (hex.Length < 2 || algorithm.Any(c => !char.IsAsciiLetterOrDigit(c)) || hex.Any(c => !char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)))
            throw new ArgumentException($"not a storable digest: {digest}", nameof(digest));
        return (algorithm, hex);
    }
}

public readonly record struct AppendResult(long Written, bool Interrupted, bool TooLong);

/// <summary>A file of the content store as garbage collection sees it: what it belongs to, its size and age.</summary>
public readonly record struct StoredFile<T>(T Owner, string Path, long Length, DateTimeOffset ModifiedAt);
