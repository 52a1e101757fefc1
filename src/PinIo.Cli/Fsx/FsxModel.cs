namespace PinIo.Cli.Fsx;

/// <summary>
/// What the file must hold: its bytes and its length. Bytes past the length are kept zero, so
/// that growing the file (truncate up, a write past the end) exposes zeroes, as it must.
/// </summary>
internal sealed class FsxModel
{
    private readonly byte[] _data;

    public FsxModel(long maxBytes)
    {
        _data = new byte[maxBytes];
    }

    private FsxModel(byte[] data, long size)
    {
        _data = data;
        Size = size;
    }

    public long Size { get; private set; }

    public ReadOnlySpan<byte> Bytes(long offset, long length) => _data.AsSpan((int)offset, (int)length);

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        data.CopyTo(_data.AsSpan((int)offset));
        Size = Math.Max(Size, offset + data.Length);
    }

    public void Truncate(long length)
    {
        if (length < Size)
        {
            _data.AsSpan((int)length, (int)(Size - length)).Clear();
        }
        Size = length;
    }

    /// <summary>fallocate mode 0: the range reads as before (zeroes where nothing was written) and the length grows to cover it.</summary>
    public void Allocate(long offset, long length) => Size = Math.Max(Size, offset + length);

    /// <summary>FALLOC_FL_PUNCH_HOLE | KEEP_SIZE: the range inside the file reads as zeroes; the length stays.</summary>
    public void PunchHole(long offset, long length)
    {
        long end = Math.Min(offset + length, Size);
        if (end > offset)
        {
            _data.AsSpan((int)offset, (int)(end - offset)).Clear();
        }
    }

    /// <summary>Bytes a read of <paramref name="length"/> at <paramref name="offset"/> returns: none past the length.</summary>
    public long ReadableBytes(long offset, long length) => Math.Clamp(Size - offset, 0, length);

    /// <summary>A copy: what was durable at a flush (power-cut mode).</summary>
    public FsxModel Snapshot() => new((byte[])_data.Clone(), Size);
}
