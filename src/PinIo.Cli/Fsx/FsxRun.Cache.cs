// After the idea of xfstests' ltp/fsx.c (its mapped reads and writes, mapread/mapwrite); no code of it.
using PinIo.Fs;

namespace PinIo.Cli.Fsx;

/// <summary>
/// The page-cache operations of a run: buffered reads and writes at any byte, and mapped
/// ranges (<see cref="VolumeFile.MapAsync"/>, page-aligned maps) read and written through,
/// against the same model as the Direct I/O. A buffered or mapped write is in the cache only:
/// it reaches the device at a flush (or earlier, by the background writeback), so to the
/// power-cut model it is a change since the last flush, as a Direct write is.
/// </summary>
internal sealed partial class FsxRun
{
    private string? BufferedRead(FsxOp op, out long badOffset)
    {
        Memory<byte> data = _userBuffer.Memory[..(int)op.Length];
        data.Span.Fill(0xEE);
        int read = Wait(_file.ReadBufferedAsync(op.Offset, data));
        return Compare(op.Offset, (int)op.Length, data.Span, read, out badOffset);
    }

    private string? BufferedWrite(FsxOp op)
    {
        Memory<byte> data = _userBuffer.Memory[..(int)op.Length];
        FsxOpGenerator.Fill(data.Span, op.Index, op.Offset);
        int written = Wait(_file.WriteBufferedAsync(op.Offset, data));
        _model.Write(op.Offset, data.Span[..written]);
        NoteChange(op.Offset, op.End, op.SizeBefore);
        return written == op.Length ? null : $"buffered write of {op.Length} bytes at 0x{op.Offset:x} wrote {written}";
    }

    private string? MappedRead(FsxOp op, out long badOffset)
    {
        (long mapOffset, int mapLength) = MapBounds(op);
        using MappedRange map = Wait(_file.MapAsync(mapOffset, mapLength));
        ReadOnlySpan<byte> data = map.Memory.Span[(int)(op.Offset - mapOffset)..];
        return Compare(op.Offset, (int)op.Length, data, op.Length, out badOffset);
    }

    private string? MappedWrite(FsxOp op)
    {
        (long mapOffset, int mapLength) = MapBounds(op);
        using (MappedRange map = Wait(_file.MapAsync(mapOffset, mapLength)))
        {
            Span<byte> data = map.Memory.Span.Slice((int)(op.Offset - mapOffset), (int)op.Length);
            FsxOpGenerator.Fill(data, op.Index, op.Offset);
            _model.Write(op.Offset, data);
            map.MarkDirty();
        }
        NoteChange(op.Offset, op.End, op.SizeBefore);
        return null;
    }

    /// <summary>The page-aligned map that covers the operation's bytes (inside the file, as the generator made them).</summary>
    private static (long Offset, int Length) MapBounds(FsxOp op)
    {
        long mapOffset = op.Offset & ~(long)(Mm.PageSize.Bytes - 1);
        return (mapOffset, (int)(op.End - mapOffset));
    }

    private static int Wait(ValueTask<int> pending) => pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private static MappedRange Wait(ValueTask<MappedRange> pending) => pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
}
