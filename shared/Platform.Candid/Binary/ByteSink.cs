using System.Buffers.Binary;
using System.Numerics;

namespace Platform.Candid;

/// <summary>A growable byte buffer with the number encodings of the binary format.</summary>
internal sealed class ByteSink
{
    private byte[] _buffer;
    private int _length;

    public ByteSink(int capacity = 256) => _buffer = new byte[capacity];

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void Byte(byte value) => Reserve(1)[0] = value;

    public void Bytes(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    public void UInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);
    public void UInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
    public void UInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void Leb(ulong value)
    {
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            Byte(value == 0 ? b : (byte)(b | 0x80));
        } while (value != 0);
    }

    public void Sleb(long value)
    {
        while (true)
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            var done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
            Byte(done ? b : (byte)(b | 0x80));
            if (done) return;
        }
    }

    public void Leb(BigInteger value)
    {
        if (value <= ulong.MaxValue)
        {
            Leb((ulong)value);
            return;
        }
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            Byte(value.IsZero ? b : (byte)(b | 0x80));
        } while (!value.IsZero);
    }

    public void Sleb(BigInteger value)
    {
        if (value >= long.MinValue && value <= long.MaxValue)
        {
            Sleb((long)value);
            return;
        }
        // BigInteger's >> is arithmetic, so negative numbers reach -1 as SLEB128 needs.
        while (true)
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            var done = (value.IsZero && (b & 0x40) == 0) || (value == BigInteger.MinusOne && (b & 0x40) != 0);
            Byte(done ? b : (byte)(b | 0x80));
            if (done) return;
        }
    }
}
