// Follows BlueFS's bluefs_transaction_t ops (file create/remove, extent and size updates) as a metadata log record.
using System.Buffers.Binary;
using System.Text;

namespace PinIo.Fs;

/// <summary>What a journal record does to the volume's metadata.</summary>
internal enum RecordOp : byte
{
    /// <summary>A file named <c>Name</c> with id <c>FileId</c> exists, empty.</summary>
    Create = 1,

    /// <summary>The file is gone; its blocks are free.</summary>
    Delete = 2,

    /// <summary>The file's size is <c>A</c> bytes.</summary>
    SetSize = 3,

    /// <summary>File blocks [A, A+C) (a hole) are device blocks [B, B+C), unwritten when <c>Unwritten</c>.</summary>
    Map = 4,

    /// <summary>The unwritten blocks among file blocks [A, A+C) are written.</summary>
    Convert = 5,

    /// <summary>File blocks [A, A+C) are a hole; the device blocks they held are free.</summary>
    Unmap = 6,
}

/// <summary>One metadata change, as logged and as replayed: both go through <see cref="VolumeMetadata.Apply"/>.</summary>
internal readonly record struct JournalRecord(RecordOp Op, long FileId, long A = 0, long B = 0, long C = 0, bool Unwritten = false, string? Name = null)
{
    private const int FixedBytes = 1 + 8;

    public static JournalRecord Create(long fileId, string name) => new(RecordOp.Create, fileId, Name: name);

    public static JournalRecord Delete(long fileId) => new(RecordOp.Delete, fileId);

    public static JournalRecord SetSize(long fileId, long size) => new(RecordOp.SetSize, fileId, A: size);

    public static JournalRecord Map(long fileId, Extent e) => new(RecordOp.Map, fileId, e.FileBlock, e.DeviceBlock, e.Count, e.Unwritten);

    public static JournalRecord Convert(long fileId, long fileBlock, long count) => new(RecordOp.Convert, fileId, A: fileBlock, C: count);

    public static JournalRecord Unmap(long fileId, long fileBlock, long count) => new(RecordOp.Unmap, fileId, A: fileBlock, C: count);

    public int EncodedBytes => FixedBytes + Op switch
    {
        RecordOp.Create => 2 + Encoding.UTF8.GetByteCount(Name!),
        RecordOp.Delete => 0,
        RecordOp.SetSize => 8,
        RecordOp.Map => 8 + 8 + 8 + 1,
        _ => 8 + 8,
    };

    /// <summary>Appends the record; <paramref name="buffer"/> grows as needed.</summary>
    public void Encode(List<byte> buffer)
    {
        Span<byte> bytes = stackalloc byte[FixedBytes + 2 + VolumeGeometry.MaxNameBytes];
        bytes[0] = (byte)Op;
        BinaryPrimitives.WriteInt64LittleEndian(bytes[1..], FileId);
        int n = FixedBytes;
        switch (Op)
        {
            case RecordOp.Create:
                int nameBytes = Encoding.UTF8.GetBytes(Name!, bytes[(n + 2)..]);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes[n..], (ushort)nameBytes);
                n += 2 + nameBytes;
                break;
            case RecordOp.Delete:
                break;
            case RecordOp.SetSize:
                n = Put(bytes, n, A);
                break;
            case RecordOp.Map:
                n = Put(bytes, Put(bytes, Put(bytes, n, A), B), C);
                bytes[n++] = Unwritten ? (byte)1 : (byte)0;
                break;
            default:
                n = Put(bytes, Put(bytes, n, A), C);
                break;
        }
        buffer.AddRange(bytes[..n]);
    }

    /// <summary>Reads one record at <paramref name="offset"/>, moving it past; false when the bytes are not a record.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, ref int offset, out JournalRecord record)
    {
        record = default;
        ReadOnlySpan<byte> s = payload[offset..];
        if (s.Length < FixedBytes || !Enum.IsDefined((RecordOp)s[0]))
        {
            return false;
        }
        var op = (RecordOp)s[0];
        long id = BinaryPrimitives.ReadInt64LittleEndian(s[1..]);
        int need = op switch
        {
            RecordOp.Create => FixedBytes + 2 + (s.Length >= FixedBytes + 2 ? BinaryPrimitives.ReadUInt16LittleEndian(s[FixedBytes..]) : 0),
            RecordOp.Delete => FixedBytes,
            RecordOp.SetSize => FixedBytes + 8,
            RecordOp.Map => FixedBytes + 25,
            _ => FixedBytes + 16,
        };
        if (s.Length < need)
        {
            return false;
        }
        ReadOnlySpan<byte> f = s[FixedBytes..];
        record = op switch
        {
            RecordOp.Create => Create(id, Encoding.UTF8.GetString(f.Slice(2, need - FixedBytes - 2))),
            RecordOp.Delete => Delete(id),
            RecordOp.SetSize => SetSize(id, Get(f, 0)),
            RecordOp.Map => new JournalRecord(op, id, Get(f, 0), Get(f, 8), Get(f, 16), f[24] != 0),
            _ => new JournalRecord(op, id, A: Get(f, 0), C: Get(f, 8)),
        };
        offset += need;
        return true;
    }

    private static int Put(Span<byte> bytes, int at, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(bytes[at..], value);
        return at + 8;
    }

    private static long Get(ReadOnlySpan<byte> f, int at) => BinaryPrimitives.ReadInt64LittleEndian(f[at..]);
}
