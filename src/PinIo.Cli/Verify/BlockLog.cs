namespace PinIo.Cli.Verify;

/// <summary>
/// The sequence number of the last write issued to each block of a job's region (fio's verify
/// history), so that a read-back can tell the latest data from an older write of the same block
/// (a stale block). <see cref="NeverWritten"/> marks blocks with no write to check against.
/// </summary>
internal sealed class BlockLog
{
    public const long NeverWritten = -1;

    private readonly long[] _sequence;

    public BlockLog(long blocks)
    {
        _sequence = new long[blocks];
        Array.Fill(_sequence, NeverWritten);
    }

    public long Blocks => _sequence.LongLength;

    public long this[long block]
    {
        get => _sequence[block];
        set => _sequence[block] = value;
    }
}
