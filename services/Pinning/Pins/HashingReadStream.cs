using System.Security.Cryptography;
using Platform.Ipfs;

namespace Platform.Pinning.Pins;

/// <summary>A forward-only stream that hashes and counts what is read through it.</summary>
public sealed class HashingReadStream(Stream inner, HashAlgorithmName algorithm) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(algorithm);

    public long BytesRead { get; private set; }

    public string HexDigest() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override int Read(byte[] buffer, int offset, int count) => Track(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Track(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Track(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        BytesRead += data.Length;
        return data.Length;
    }

    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
