namespace PinIo.Cli.Verify;

/// <summary>
/// The last write issued over each grain of a job's region (fio's verify history, its io_piece
/// tree in a flat form): the write's sequence number, where it starts and how many grains it
/// covers, so that a read-back can ask for exactly that write and tell it from an older one (a
/// stale block). A write that covers part of an older one leaves the rest of the older one
/// unverifiable — its header was overwritten or lies elsewhere — so those grains are forgotten,
/// as fio drops an overlapped io_piece. <see cref="NeverWritten"/> marks grains with nothing
/// to check.
/// </summary>
internal sealed class BlockLog
{
    public const long NeverWritten = -1;

    private readonly long[] _sequence;
    private readonly int[] _back;
    private readonly int[] _count;
    private readonly int[] _length;

    public BlockLog(long grains)
    {
        _sequence = new long[grains];
        _back = new int[grains];
        _count = new int[grains];
        _length = new int[grains];
        Array.Fill(_sequence, NeverWritten);
    }

    public long Grains => _sequence.LongLength;

    /// <summary>The sequence of the write that last covered <paramref name="grain"/>, or <see cref="NeverWritten"/>.</summary>
    public long this[long grain] => _sequence[grain];

    /// <summary>Records write <paramref name="sequence"/> of <paramref name="length"/> bytes over <paramref name="count"/> grains from <paramref name="first"/>.</summary>
    public void Record(long first, int count, int length, long sequence)
    {
        long end = first + count;
        for (long g = first; g < end; g++)
        {
            if (_sequence[g] != NeverWritten)
            {
                ForgetOutside(g - _back[g], first, end);
            }
        }
        for (long g = first; g < end; g++)
        {
            _sequence[g] = sequence;
            _back[g] = (int)(g - first);
        }
        _count[first] = count;
        _length[first] = length;
    }

    /// <summary>
    /// Whether a write starts at <paramref name="grain"/>; if so its sequence, its length in
    /// bytes and the grains it covers. A read of exactly that range can be checked against the
    /// write's header.
    /// </summary>
    public bool TryGetWrite(long grain, out long sequence, out int length, out int count)
    {
        sequence = _sequence[grain];
        length = _length[grain];
        count = _count[grain];
        return sequence != NeverWritten && _back[grain] == 0;
    }

    /// <summary>Forgets the grains of the write starting at <paramref name="head"/> that lie outside [first, end).</summary>
    private void ForgetOutside(long head, long first, long end)
    {
        long sequence = _sequence[head];
        int count = _count[head];
        if (sequence == NeverWritten || _back[head] != 0 || (head >= first && head + count <= end))
        {
            return;
        }
        for (long g = head; g < head + count; g++)
        {
            if ((g < first || g >= end) && _sequence[g] == sequence)
            {
                _sequence[g] = NeverWritten;
            }
        }
    }
}
