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

    // One entry per grain, its facts side by side: a random write or checked read touches one
    // cache line of the log, where four arrays (sequence, back, count, length) missed four.
    private readonly Grain[] _grains;

    public BlockLog(long grains)
    {
        _grains = new Grain[grains];
        Array.Fill(_grains, new Grain { Sequence = NeverWritten });
    }

    public long Grains => _grains.LongLength;

    /// <summary>The sequence of the write that last covered <paramref name="grain"/>, or <see cref="NeverWritten"/>.</summary>
    public long this[long grain] => _grains[grain].Sequence;

    /// <summary>Records write <paramref name="sequence"/> of <paramref name="length"/> bytes over <paramref name="count"/> grains from <paramref name="first"/>.</summary>
    public void Record(long first, int count, int length, long sequence)
    {
        long end = first + count;
        for (long g = first; g < end; g++)
        {
            if (_grains[g].Sequence != NeverWritten)
            {
                ForgetOutside(g - _grains[g].Back, first, end);
            }
        }
        for (long g = first; g < end; g++)
        {
            ref Grain entry = ref _grains[g];
            entry.Sequence = sequence;
            entry.Back = (int)(g - first);
        }
        _grains[first].Count = count;
        _grains[first].Length = length;
    }

    /// <summary>
    /// Whether a write starts at <paramref name="grain"/>; if so its sequence, its length in
    /// bytes and the grains it covers. A read of exactly that range can be checked against the
    /// write's header.
    /// </summary>
    public bool TryGetWrite(long grain, out long sequence, out int length, out int count)
    {
        ref readonly Grain entry = ref _grains[grain];
        sequence = entry.Sequence;
        length = entry.Length;
        count = entry.Count;
        return sequence != NeverWritten && entry.Back == 0;
    }

    /// <summary>Forgets the grains of the write starting at <paramref name="head"/> that lie outside [first, end).</summary>
    private void ForgetOutside(long head, long first, long end)
    {
        long sequence = _grains[head].Sequence;
        int count = _grains[head].Count;
        if (sequence == NeverWritten || _grains[head].Back != 0 || (head >= first && head + count <= end))
        {
            return;
        }
        for (long g = head; g < head + count; g++)
        {
            if ((g < first || g >= end) && _grains[g].Sequence == sequence)
            {
                _grains[g].Sequence = NeverWritten;
            }
        }
    }

    /// <summary>A grain's entry: the last write over it, how far into that write it lies, and at a write's first grain the write's grains and bytes.</summary>
    private struct Grain
    {
        public long Sequence;
        public int Back;
        public int Count;
        public int Length;
    }
}
