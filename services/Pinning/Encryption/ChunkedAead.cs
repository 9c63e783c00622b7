using System.Buffers.Binary;
using System.Security.Cryptography;
using Platform.Ipfs;

namespace Platform.Pinning.Encryption;

/// <summary>
/// The format of an encrypted IPFS copy (version 1): a blob is AES-256-GCM in chunks, so it streams through in
/// constant memory both ways and every chunk is authenticated before a byte of it is released.
/// <code>
/// header (16 bytes):  "PLTE" | version 1 | algorithm 1 (AES-256-GCM) | log2(chunk size) | 0 | nonce prefix (8)
/// chunk i:            AES-GCM(key, nonce = prefix | uint32 BE i, plaintext chunk, AD = header | uint64 BE i | last)
///                     ciphertext (as long as the plaintext chunk) | tag (16)
/// </code>
/// Every chunk but the last holds exactly a chunk size of plaintext; the last holds less (zero bytes when the blob
/// is a multiple of the chunk size), so a reader knows the last chunk by its length, and the authenticated last flag
/// makes a copy cut at a chunk boundary fail instead of reading as a shorter blob. The index in the nonce and the
/// associated data stops chunks from being reordered, dropped or repeated; the header in the associated data stops
/// it from being edited (a different chunk size or version). The key is the blob's own random data key, so the
/// nonce prefix only has to differ between encryptions under one key: it is random too, and kept with the key, so
/// the same blob encrypted again gives the same bytes (and the same CID) instead of a second copy.
/// </summary>
internal static class ChunkedAead
{
    public const int HeaderSize = 16;
    public const int TagSize = 16;
    public const int KeySize = 32;
    public const int NoncePrefixSize = 8;
    public const int DefaultChunkShift = 16; // 64 KiB of plaintext per chunk
    public const byte Version = 1;
    public const byte AesGcm256 = 1;
    private const int MinChunkShift = 10, MaxChunkShift = 24;
    private static ReadOnlySpan<byte> Magic => "PLTE"u8;

    /// <summary>Length of the encrypted copy of <paramref name="plaintextLength"/> bytes.</summary>
    public static long CiphertextLength(long plaintextLength, int chunkShift = DefaultChunkShift) =>
        HeaderSize + plaintextLength + TagSize * ((plaintextLength >> chunkShift) + 1);

    internal static byte[] Header(ReadOnlySpan<byte> noncePrefix, int chunkShift)
    {
        if (noncePrefix.Length != NoncePrefixSize)
            throw new ArgumentException($"the nonce prefix must be {NoncePrefixSize} bytes", nameof(noncePrefix));
        if (chunkShift is < MinChunkShift or > MaxChunkShift)
            throw new ArgumentOutOfRangeException(nameof(chunkShift));
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        header[4] = Version;
        header[5] = AesGcm256;
        header[6] = (byte)chunkShift;
        noncePrefix.CopyTo(header.AsSpan(8));
        return header;
    }

    /// <returns>The chunk shift the header names; throws when it is not a version-1 header.</returns>
    internal static int ParseHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length != HeaderSize || !header[..4].SequenceEqual(Magic))
            throw new InvalidDataException("not an encrypted blob (no PLTE header)");
        if (header[4] != Version)
            throw new InvalidDataException($"encrypted blob format version {header[4]} is not supported (only {Version})");
        if (header[5] != AesGcm256)
            throw new InvalidDataException($"encrypted blob algorithm {header[5]} is not supported");
        if (header[7] != 0)
            throw new InvalidDataException("encrypted blob header has a reserved byte set");
        if (header[6] is < MinChunkShift or > MaxChunkShift)
            throw new InvalidDataException($"encrypted blob chunk size 2^{header[6]} is out of range");
        return header[6];
    }

    internal static void Nonce(ReadOnlySpan<byte> header, long index, Span<byte> nonce)
    {
        if ((ulong)index > uint.MaxValue)
            throw new InvalidDataException("blob too large for the chunk counter");
        header.Slice(8, NoncePrefixSize).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoncePrefixSize..], (uint)index);
    }

    internal static void AssociatedData(ReadOnlySpan<byte> header, long index, bool last, Span<byte> ad)
    {
        header.CopyTo(ad);
        BinaryPrimitives.WriteUInt64BigEndian(ad[HeaderSize..], (ulong)index);
        ad[HeaderSize + 8] = last ? (byte)1 : (byte)0;
    }

    internal const int AssociatedDataSize = HeaderSize + 8 + 1;
    internal const int NonceSize = 12;

    /// <summary>A fresh random data key and nonce prefix for one blob.</summary>
    public static (byte[] Key, byte[] NoncePrefix) NewKey() =>
        (RandomNumberGenerator.GetBytes(KeySize), RandomNumberGenerator.GetBytes(NoncePrefixSize));
}

/// <summary>
/// What both directions share: the stream they read, the key, the plaintext chunk buffer (wiped when the stream is
/// disposed), and the synchronous reads, which go through the one asynchronous read each direction implements.
/// </summary>
internal abstract class AeadStream : ReadOnlyStream
{
    private readonly bool _leaveOpen;

    protected AeadStream(Stream inner, ReadOnlySpan<byte> key, bool leaveOpen)
    {
        Inner = inner;
        _leaveOpen = leaveOpen;
        Aes = new AesGcm(key, ChunkedAead.TagSize);
    }

    protected Stream Inner { get; }
    protected AesGcm Aes { get; }
    protected byte[] Plain { get; set; } = [];

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Aes.Dispose();
            CryptographicOperations.ZeroMemory(Plain);
            if (!_leaveOpen)
                Inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// Reads plaintext from <paramref name="plaintext"/> and gives its encrypted copy (<see cref="ChunkedAead"/>) to
/// whoever reads this stream, one chunk at a time: memory is two chunk buffers, whatever the blob's size.
/// </summary>
internal sealed class AeadEncryptingStream : AeadStream
{
    private readonly byte[] _header;
    private readonly int _chunkSize;
    private readonly byte[] _out;
    private int _outStart, _outEnd;
    private long _index;
    private bool _headerSent, _done;

    public AeadEncryptingStream(Stream plaintext, ReadOnlySpan<byte> key, ReadOnlySpan<byte> noncePrefix,
        int chunkShift = ChunkedAead.DefaultChunkShift, bool leaveOpen = false)
        : base(plaintext, key, leaveOpen)
    {
        _header = ChunkedAead.Header(noncePrefix, chunkShift);
        _chunkSize = 1 << chunkShift;
        Plain = new byte[_chunkSize];
        _out = new byte[_chunkSize + ChunkedAead.TagSize];
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
            return 0;
        if (!_headerSent)
        {
            _header.CopyTo(_out, 0);
            (_outStart, _outEnd, _headerSent) = (0, ChunkedAead.HeaderSize, true);
        }
        if (_outStart == _outEnd && !_done)
        {
            // Fill a whole chunk: a short read from the source is not the end of the blob.
            var filled = 0;
            int read;
            while (filled < _chunkSize && (read = await Inner.ReadAsync(Plain.AsMemory(filled), cancellationToken)) > 0)
                filled += read;
            Seal(filled);
        }
        var n = Math.Min(buffer.Length, _outEnd - _outStart);
        _out.AsMemory(_outStart, n).CopyTo(buffer);
        _outStart += n;
        return n;
    }

    private void Seal(int length)
    {
        var last = length < _chunkSize;
        Span<byte> nonce = stackalloc byte[ChunkedAead.NonceSize];
        Span<byte> ad = stackalloc byte[ChunkedAead.AssociatedDataSize];
        ChunkedAead.Nonce(_header, _index, nonce);
        ChunkedAead.AssociatedData(_header, _index, last, ad);
        Aes.Encrypt(nonce, Plain.AsSpan(0, length), _out.AsSpan(0, length), _out.AsSpan(length, ChunkedAead.TagSize), ad);
        (_outStart, _outEnd) = (0, length + ChunkedAead.TagSize);
        _index++;
        _done = last;
    }
}

/// <summary>
/// Reads an encrypted copy (<see cref="ChunkedAead"/>) and gives its plaintext, a chunk at a time, each only after
/// its tag verified. Anything wrong (a flipped byte, a chunk missing, moved or cut, bytes after the last chunk,
/// another key) throws <see cref="InvalidDataException"/>: no unauthenticated byte is ever returned, and the end
/// of the stream is only reported after the last chunk verified.
/// </summary>
internal sealed class AeadDecryptingStream : AeadStream
{
    private byte[]? _header;
    private int _chunkSize;
    private byte[] _in = [];
    private int _plainStart, _plainEnd;
    private long _index;
    private bool _done;

    public AeadDecryptingStream(Stream ciphertext, ReadOnlySpan<byte> key, bool leaveOpen = false)
        : base(ciphertext, key, leaveOpen)
    {
    }

    /// <summary>Plaintext bytes returned so far.</summary>
    public long BytesDecrypted { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
            return 0;
        if (_header is null)
            await ReadHeaderAsync(cancellationToken);
        while (_plainStart == _plainEnd)
        {
            if (_done)
                return 0;
            await OpenChunkAsync(cancellationToken);
        }
        var n = Math.Min(buffer.Length, _plainEnd - _plainStart);
        Plain.AsMemory(_plainStart, n).CopyTo(buffer);
        _plainStart += n;
        BytesDecrypted += n;
        return n;
    }

    private async Task ReadHeaderAsync(CancellationToken ct)
    {
        var header = new byte[ChunkedAead.HeaderSize];
        if (await FillAsync(header, ct) != header.Length)
            throw new InvalidDataException("encrypted blob is shorter than its header");
        var shift = ChunkedAead.ParseHeader(header);
        _chunkSize = 1 << shift;
        _in = new byte[_chunkSize + ChunkedAead.TagSize];
        Plain = new byte[_chunkSize];
        _header = header;
    }

    private async Task OpenChunkAsync(CancellationToken ct)
    {
        var got = await FillAsync(_in, ct);
        // A full-size chunk is never the last one (see ChunkedAead); a copy that ends after one was cut.
        if (got == 0)
            throw new InvalidDataException($"encrypted blob is truncated: chunk {_index} (the last) is missing");
        if (got < ChunkedAead.TagSize)
            throw new InvalidDataException($"encrypted blob is truncated inside chunk {_index}");
        var last = got < _in.Length;
        var length = got - ChunkedAead.TagSize;
        Span<byte> nonce = stackalloc byte[ChunkedAead.NonceSize];
        Span<byte> ad = stackalloc byte[ChunkedAead.AssociatedDataSize];
        ChunkedAead.Nonce(_header, _index, nonce);
        ChunkedAead.AssociatedData(_header, _index, last, ad);
        try
        {
            Aes.Decrypt(nonce, _in.AsSpan(0, length), _in.AsSpan(length, ChunkedAead.TagSize), Plain.AsSpan(0, length), ad);
        }
        catch (AuthenticationTagMismatchException e)
        {
            CryptographicOperations.ZeroMemory(Plain);
            throw new InvalidDataException($"encrypted blob chunk {_index} does not verify (tampered, reordered, cut or another key)", e);
        }
        if (last)
        {
            var probe = new byte[1];
            if (await Inner.ReadAsync(probe, ct) != 0)
                throw new InvalidDataException("encrypted blob has bytes after its last chunk");
            _done = true;
        }
        (_plainStart, _plainEnd) = (0, length);
        _index++;
    }

    private async Task<int> FillAsync(byte[] target, CancellationToken ct)
    {
        var filled = 0;
        int read;
        while (filled < target.Length && (read = await Inner.ReadAsync(target.AsMemory(filled), ct)) > 0)
            filled += read;
        return filled;
    }
}
