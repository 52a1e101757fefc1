namespace PinIo.Tests.Infrastructure;

/// <summary>
/// The plain model an <c>IovIter</c> is checked against: its segments concatenated into one
/// flat array, a position (bytes consumed) and a count (bytes still visible). Bytes a test
/// cannot predict (pipe pages handed out again by the pool) are tracked as unknown.
/// </summary>
internal sealed class IterModel
{
    private readonly bool[] _known;

    /// <param name="memory">Current contents of the memory, flattened; null for a discard iterator.</param>
    /// <param name="total">Bytes the iterator covers.</param>
    /// <param name="contentsKnown">Whether <paramref name="memory"/> holds what the real memory holds now.</param>
    public IterModel(byte[]? memory, long total, bool contentsKnown = true)
    {
        Memory = memory;
        Total = total;
        Count = total;
        _known = new bool[memory?.Length ?? 0];
        Array.Fill(_known, contentsKnown);
    }

    public byte[]? Memory { get; }

    public long Total { get; }

    public long Position { get; private set; }

    public long Count { get; private set; }

    public void Advance(long n)
    {
        Position += n;
        Count -= n;
    }

    public void Revert(long n)
    {
        Position -= n;
        Count += n;
    }

    public void Truncate(long count) => Count = Math.Min(Count, count);

    public void Reexpand(long count) => Count = count;

    /// <summary>Back to the first byte with every byte visible again (a reused iterator's rewind).</summary>
    public void Restart()
    {
        Position = 0;
        Count = Total;
    }

    /// <summary>copy_to_iter: writes <c>min(data.Length, Count)</c> bytes at the position and advances.</summary>
    public int CopyTo(ReadOnlySpan<byte> data)
    {
        int n = (int)Math.Min(data.Length, Count);
        if (Memory is not null)
        {
            data[..n].CopyTo(Memory.AsSpan((int)Position));
            _known.AsSpan((int)Position, n).Fill(true);
        }
        Advance(n);
        return n;
    }

    /// <summary>copy_from_iter: the bytes <c>min(length, Count)</c> from the position, advancing past them.</summary>
    public byte[] CopyFrom(int length)
    {
        int n = (int)Math.Min(length, Count);
        byte[] bytes = Memory.AsSpan((int)Position, n).ToArray();
        Advance(n);
        return bytes;
    }

    public bool IsKnown(long index) => _known[index];

    /// <summary>
    /// iov_iter_alignment computed from the segments as laid out in the flat array: every
    /// segment's visible part, [Position, Position + Count), contributes its first byte's
    /// address and its length; invisible and zero-length parts contribute nothing.
    /// </summary>
    public long Alignment(IReadOnlyList<(nint Address, long Length)> segments)
    {
        long result = 0;
        long start = 0;
        long visibleEnd = Position + Count;
        foreach ((nint address, long length) in segments)
        {
            long from = Math.Max(start, Position);
            long to = Math.Min(start + length, visibleEnd);
            if (to > from)
            {
                result |= (address + (from - start)) | (to - from);
            }
            start += length;
        }
        return result;
    }
}
