using System.Buffers.Binary;
using System.Security.Cryptography;
using Platform.Pinning.Encryption;

namespace Platform.UnitTests.Pinning;

public sealed class ChunkedAeadTests
{
    // Small chunks (1 KiB) so that tampering tests have many chunks at small sizes; the format is the same.
    private const int Shift = 10;
    private const int Chunk = 1 << Shift;
    private const int Sealed = Chunk + ChunkedAead.TagSize;
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Prefix = RandomNumberGenerator.GetBytes(8);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk + 5)]
    [InlineData(4 * Chunk)]
    public async Task Round_trips_every_size_and_the_ciphertext_has_the_computed_length(int size)
    {
        var plain = RandomNumberGenerator.GetBytes(size);
        var cipher = await EncryptAsync(plain);
        Assert.Equal(ChunkedAead.CiphertextLength(size, Shift), cipher.Length);
        Assert.Equal(plain, await DecryptAsync(cipher));
    }

    [Fact]
    public async Task Default_chunks_of_64_KiB_round_trip_through_odd_read_sizes()
    {
        var plain = RandomNumberGenerator.GetBytes(5 * 65536 + 123);
        await using var encrypting = new AeadEncryptingStream(new TrickleStream(plain, 777), Key, Prefix);
        var cipher = await ReadAllAsync(encrypting, 1000);
        Assert.Equal(ChunkedAead.CiphertextLength(plain.Length), cipher.Length);
        await using var decrypting = new AeadDecryptingStream(new TrickleStream(cipher, 4099), Key);
        Assert.Equal(plain, await ReadAllAsync(decrypting, 313));
    }

    [Fact]
    public async Task The_ciphertext_reveals_no_plaintext_and_the_same_key_and_prefix_give_the_same_bytes()
    {
        var marker = "PLATFORM-PRIVATE-MARKER"u8.ToArray();
        var plain = Enumerable.Repeat(marker, 200).SelectMany(m => m).ToArray();
        var cipher = await EncryptAsync(plain);
        Assert.Equal(-1, cipher.AsSpan().IndexOf(marker));
        Assert.Equal(cipher, await EncryptAsync(plain));
        // Another prefix (another blob's encryption) gives other bytes even for the same plaintext.
        Assert.NotEqual(cipher, await EncryptAsync(plain, prefix: RandomNumberGenerator.GetBytes(8)));
    }

    [Theory]
    [InlineData(3)]                                           // the magic
    [InlineData(6)]                                           // the chunk size in the header
    [InlineData(10)]                                          // the nonce prefix in the header
    [InlineData(ChunkedAead.HeaderSize)]                      // first byte of chunk 0
    [InlineData(ChunkedAead.HeaderSize + Chunk + 3)]          // inside chunk 0's tag
    [InlineData(ChunkedAead.HeaderSize + Sealed + 100)]       // inside chunk 1
    [InlineData(-1)]                                          // the last byte of the last tag
    public async Task One_flipped_byte_anywhere_fails(int offset)
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * Chunk + 10));
        cipher[offset < 0 ? cipher.Length + offset : offset] ^= 0x01;
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(cipher));
    }

    [Fact]
    public async Task A_copy_cut_at_a_chunk_boundary_fails_instead_of_reading_as_a_shorter_blob()
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * Chunk + 10));
        var cut = cipher[..(ChunkedAead.HeaderSize + 2 * Sealed)];
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(cut));
    }

    [Fact]
    public async Task A_copy_of_a_whole_number_of_chunks_without_its_empty_last_chunk_fails()
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(2 * Chunk));
        Assert.Equal(ChunkedAead.HeaderSize + 2 * Sealed + ChunkedAead.TagSize, cipher.Length);
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(cipher[..^ChunkedAead.TagSize]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(ChunkedAead.TagSize + 1)]
    [InlineData(500)]
    public async Task A_truncated_last_chunk_fails(int cutBytes)
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(2 * Chunk + 600));
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(cipher[..^cutBytes]));
    }

    [Fact]
    public async Task A_truncated_full_chunk_passed_off_as_the_last_fails()
    {
        // Cut inside chunk 1: what is left of it is short, so the reader takes it for the last chunk. The flag in
        // the associated data (and the tag's position) makes that fail.
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * Chunk));
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(cipher[..(ChunkedAead.HeaderSize + Sealed + 300)]));
    }

    [Fact]
    public async Task Swapped_chunks_fail()
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * Chunk + 10));
        var swapped = cipher.ToArray();
        cipher.AsSpan(ChunkedAead.HeaderSize, Sealed).CopyTo(swapped.AsSpan(ChunkedAead.HeaderSize + Sealed));
        cipher.AsSpan(ChunkedAead.HeaderSize + Sealed, Sealed).CopyTo(swapped.AsSpan(ChunkedAead.HeaderSize));
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(swapped));
    }

    [Fact]
    public async Task A_dropped_or_repeated_chunk_fails()
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * Chunk + 10));
        var header = cipher[..ChunkedAead.HeaderSize];
        byte[] ChunkAt(int i) => cipher.AsSpan(ChunkedAead.HeaderSize + i * Sealed, Sealed).ToArray();
        var last = cipher[(ChunkedAead.HeaderSize + 3 * Sealed)..];
        var dropped = header.Concat(ChunkAt(0)).Concat(ChunkAt(2)).Concat(last).ToArray();
        var repeated = header.Concat(ChunkAt(0)).Concat(ChunkAt(0)).Concat(ChunkAt(1)).Concat(ChunkAt(2)).Concat(last).ToArray();
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(dropped));
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(repeated));
    }

    [Fact]
    public async Task Bytes_after_the_last_chunk_fail()
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk + 10));
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync([.. cipher, 0]));
    }

    [Fact]
    public async Task Another_key_fails()
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(100));
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(cipher, RandomNumberGenerator.GetBytes(32)));
    }

    [Fact]
    public async Task An_unknown_version_or_a_short_header_is_refused()
    {
        var cipher = await EncryptAsync(RandomNumberGenerator.GetBytes(100));
        var v2 = cipher.ToArray();
        v2[4] = 2;
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(v2));
        Assert.Contains("version 2", e.Message);
        await Assert.ThrowsAsync<InvalidDataException>(() => DecryptAsync(cipher[..10]));
    }

    [Fact]
    public async Task No_plaintext_of_a_bad_chunk_is_released()
    {
        // Chunk 0 is good, chunk 1 is tampered: the reader gets chunk 0's bytes, then the error, never chunk 1's.
        var plain = RandomNumberGenerator.GetBytes(3 * Chunk);
        var cipher = await EncryptAsync(plain);
        cipher[ChunkedAead.HeaderSize + Sealed + 5] ^= 0x80;
        await using var decrypting = new AeadDecryptingStream(new MemoryStream(cipher), Key);
        var received = new MemoryStream();
        var buffer = new byte[100];
        await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            int read;
            while ((read = await decrypting.ReadAsync(buffer)) > 0)
                received.Write(buffer, 0, read);
        });
        Assert.Equal(plain[..Chunk], received.ToArray());
    }

    [Fact]
    public void The_header_is_versioned_and_names_the_chunk_size_and_the_nonce_prefix()
    {
        var header = ChunkedAead.Header(Prefix, Shift);
        Assert.Equal("PLTE"u8.ToArray(), header[..4]);
        Assert.Equal([ChunkedAead.Version, ChunkedAead.AesGcm256, Shift, 0], header[4..8]);
        Assert.Equal(Prefix, header[8..]);
        Span<byte> nonce = stackalloc byte[12];
        ChunkedAead.Nonce(header, 7, nonce);
        Assert.Equal(Prefix, nonce[..8].ToArray());
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32BigEndian(nonce[8..]));
    }

    private static async Task<byte[]> EncryptAsync(byte[] plain, byte[]? prefix = null)
    {
        await using var encrypting = new AeadEncryptingStream(new MemoryStream(plain), Key, prefix ?? Prefix, Shift);
        return await ReadAllAsync(encrypting, 4096);
    }

    private static async Task<byte[]> DecryptAsync(byte[] cipher, byte[]? key = null)
    {
        await using var decrypting = new AeadDecryptingStream(new MemoryStream(cipher), key ?? Key);
        return await ReadAllAsync(decrypting, 4096);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, int bufferSize)
    {
        var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
            output.Write(buffer, 0, read);
        return output.ToArray();
    }

    /// <summary>Gives at most <paramref name="step"/> bytes per read, as a network stream does.</summary>
    private sealed class TrickleStream(byte[] data, int step) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, step)], cancellationToken);
    }
}
