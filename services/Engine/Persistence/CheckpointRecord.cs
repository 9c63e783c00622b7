using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Platform.Engine.Persistence;

/// <summary>What one record says about one canister: its metadata and the memory pages that changed.</summary>
internal sealed class CanisterChange(byte[] metaJson)
{
    public byte[] MetaJson { get; } = metaJson;
    public List<(int Index, byte[] Content)> HeapPages { get; } = [];

    /// <summary>Stable pages by index; null content: the page is all zero.</summary>
    public List<(int Index, byte[]? Content)> StablePages { get; } = [];
}

/// <summary>
/// One record of the log (a commit: what one request changed) or the whole of a snapshot. On disk a record is
/// framed as <c>magic, payload length, SHA-256 of the payload, payload</c>, so a torn or altered record is
/// recognised and never applied.
/// </summary>
internal sealed class CheckpointRecord
{
    public const int HeapPageSize = 4096;
    private const uint Magic = 0x31_57_45_50; // "PEW1"
    private const int HeaderSize = 4 + 4 + 32;

    /// <summary>The instance's clock and subnets (null: unchanged).</summary>
    public byte[]? InstanceJson { get; set; }
    public List<CanisterChange> Canisters { get; } = [];
    public List<string> Deleted { get; } = [];

    public bool IsEmpty => InstanceJson is null && Canisters.Count == 0 && Deleted.Count == 0;

    /// <summary>Writes the framed record to <paramref name="stream"/> in one write.</summary>
    public void WriteTo(Stream stream)
    {
        using var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            WriteBytes(w, InstanceJson ?? []);
            w.Write(Canisters.Count);
            foreach (var change in Canisters)
            {
                WriteBytes(w, change.MetaJson);
                w.Write(change.HeapPages.Count);
                foreach (var (index, content) in change.HeapPages) { w.Write(index); w.Write(content); }
                w.Write(change.StablePages.Count);
                foreach (var (index, content) in change.StablePages)
                {
                    w.Write(index);
                    w.Write(content is not null);
                    if (content is not null) w.Write(content);
                }
            }
            w.Write(Deleted.Count);
            foreach (var id in Deleted) w.Write(id);
        }
        var body = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        var frame = new byte[HeaderSize + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), body.Length);
        SHA256.HashData(body, frame.AsSpan(8, 32));
        body.CopyTo(frame.AsSpan(HeaderSize));
        stream.Write(frame);
    }

    /// <summary>
    /// Reads the next record. Returns null at a clean end, and also at a torn or altered record: then
    /// <paramref name="damaged"/> is true and the stream's position is where the valid records end.
    /// </summary>
    public static CheckpointRecord? ReadFrom(Stream stream, out bool damaged)
    {
        damaged = false;
        var start = stream.Position;
        Span<byte> header = stackalloc byte[HeaderSize];
        var got = stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false);
        if (got == 0) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (got < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic || length < 0 || length > stream.Length - start - HeaderSize)
        {
            stream.Position = start;
            damaged = true;
            return null;
        }
        var body = new byte[length];
        stream.ReadExactly(body);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(header.Slice(8, 32)))
        {
            stream.Position = start;
            damaged = true;
            return null;
        }
        try { return Parse(body); }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or FormatException)
        {
            // The checksum matched, so the writer wrote this: a format this build does not know.
            throw new CheckpointCorruptException($"a record at offset {start} has a valid checksum but cannot be read: {e.Message}");
        }
    }

    private static CheckpointRecord Parse(byte[] body)
    {
        using var r = new BinaryReader(new MemoryStream(body));
        var record = new CheckpointRecord();
        var instance = ReadBytes(r);
        record.InstanceJson = instance.Length == 0 ? null : instance;
        for (var c = r.ReadInt32(); c > 0; c--)
        {
            var change = new CanisterChange(ReadBytes(r));
            for (var n = r.ReadInt32(); n > 0; n--) change.HeapPages.Add((r.ReadInt32(), r.ReadBytes(HeapPageSize)));
            for (var n = r.ReadInt32(); n > 0; n--)
            {
                var index = r.ReadInt32();
                change.StablePages.Add((index, r.ReadBoolean() ? r.ReadBytes(Engine.Canisters.StableMemory.PageSize) : null));
            }
            record.Canisters.Add(change);
        }
        for (var n = r.ReadInt32(); n > 0; n--) record.Deleted.Add(r.ReadString());
        return record;
    }

    private static void WriteBytes(BinaryWriter w, byte[] bytes) { w.Write(bytes.Length); w.Write(bytes); }

    private static byte[] ReadBytes(BinaryReader r)
    {
        var n = r.ReadInt32();
        var bytes = r.ReadBytes(n);
        return bytes.Length == n ? bytes : throw new EndOfStreamException("a field is cut short");
    }
}
