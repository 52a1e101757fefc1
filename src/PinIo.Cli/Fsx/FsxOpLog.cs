namespace PinIo.Cli.Fsx;

/// <summary>The last operations, a ring, each with the length it left the file at; printed oldest first at a mismatch.</summary>
internal sealed class FsxOpLog(int capacity)
{
    private readonly FsxOp[] _ops = new FsxOp[Math.Max(1, capacity)];
    private readonly long[] _sizesAfter = new long[Math.Max(1, capacity)];
    private long _count;

    public long Count => _count;

    public void Add(FsxOp op, long sizeAfter)
    {
        int slot = (int)(_count++ % _ops.Length);
        _ops[slot] = op;
        _sizesAfter[slot] = sizeAfter;
    }

    /// <summary>Oldest first; <paramref name="badOffset"/> (or -1) marks the operations that changed that byte.</summary>
    public void Print(TextWriter output, long badOffset)
    {
        long first = Math.Max(0, _count - _ops.Length);
        output.WriteLine($"fsx: the last {_count - first} operations (of {_count}){(badOffset >= 0 ? $", * = touched offset 0x{badOffset:x}" : "")}:");
        for (long i = first; i < _count; i++)
        {
            int slot = (int)(i % _ops.Length);
            FsxOp op = _ops[slot];
            string mark = badOffset >= 0 && op.Touches(badOffset) ? "*" : " ";
            output.WriteLine($"{mark}{op.Describe(_sizesAfter[slot])}");
        }
    }
}
